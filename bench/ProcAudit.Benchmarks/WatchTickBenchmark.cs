using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace ProcAudit.Benchmarks;

/// <summary>
/// What one tick of `procaudit watch` costs on a tree of 50 sleeping processes: the budget is under
/// 1% of one core at the default interval, i.e. under 20 ms of CPU per 2 s tick.
/// </summary>
[MemoryDiagnoser]
public class WatchTickBenchmark
{
    private Process? _tree;
    private Auditor _single = null!;

    [Params(50)]
    public int Processes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ProcessStartInfo start = new("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"i=1; while [ $i -lt {Processes} ]; do sleep 600 & i=$((i+1)); done; wait");
        _tree = Process.Start(start)!;
        Thread.Sleep(1000);
        _single = new Auditor(new AuditOptions { Interval = TimeSpan.Zero });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tree?.Kill(entireProcessTree: true);
        _tree?.WaitForExit();
    }

    [Benchmark(Description = "single-sample audit of the tree (one watch tick)")]
    public int AuditOnce() => _single.Audit(_tree!.Id).Snapshot.Processes.Length;
}
