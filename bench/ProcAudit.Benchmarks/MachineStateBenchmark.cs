using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace ProcAudit.Benchmarks;

/// <summary>
/// A full single-sample capture of one blocked tree on a machine full of processes and fds,
/// against the floor of the machine-wide holder scan it has to do (issue 9). Needs a state made
/// by bench/make-state.sh and its root pid in PROCAUDIT_BENCH_PID; tools/bench-run.sh does both.
/// Budget: Capture within 3x of Floor at 16x (medians).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class MachineStateBenchmark
{
    private int _pid;

    [GlobalSetup]
    public void Setup()
    {
        string? text = Environment.GetEnvironmentVariable("PROCAUDIT_BENCH_PID");
        if (!int.TryParse(text, out _pid) || !Directory.Exists($"/proc/{_pid}"))
        {
            throw new InvalidOperationException(
                "PROCAUDIT_BENCH_PID must name a live process: run bench/make-state.sh N and export its output, or use tools/bench-run.sh");
        }
    }

    [Benchmark(Baseline = true, Description = "floor: getdents64 + readlink every fd")]
    public long Floor() => ReadlinkFloor.Scan();

    [Benchmark(Description = "floor via .NET directory API + readlink")]
    public long FloorDirectoryApi() => ReadlinkFloor.ScanDirectoryApi();

    [Benchmark(Description = "floor via readlinkat, 1 thread")]
    public long FloorAt() => ReadlinkFloor.ScanAt(1);

    [Benchmark(Description = "floor via readlinkat, 2 threads")]
    public long FloorAt2() => ReadlinkFloor.ScanAt(2);

    [Benchmark(Description = "capture: new Auditor(Interval 0).Capture(pid)")]
    public int Capture() => new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Capture(_pid).Processes.Length;

    /// <summary>Issue 20: the whole machine captured once and every still tree analysed (budget: half of `lsof -n -P` at 16x).</summary>
    [Benchmark(Description = "scan: new Auditor(Interval 0).Scan()")]
    public int Scan() => new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Scan().Hangs.Length;
}
