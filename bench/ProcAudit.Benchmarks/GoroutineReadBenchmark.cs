using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using ProcAudit.Go;

namespace ProcAudit.Benchmarks;

/// <summary>
/// What reading a big Go process costs: every goroutine with its stack, what it waits on, the channels' queues
/// and the lock's waiters and holder evidence, from /proc/PID/mem. The program is built with the machine's `go`.
/// </summary>
[MemoryDiagnoser]
public class GoroutineReadBenchmark
{
    private Process? _program;
    private string _directory = "";
    private int[] _epoll = [];

    [Params(10_000)]
    public int Goroutines { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("procaudit-bench-go-").FullName;
        string source = Repository.Program("go-many-goroutines.go");
        string executable = Path.Combine(_directory, "go-many-goroutines");
        ProcessStartInfo build = new("go", ["build", "-o", executable, source]) { UseShellExecute = false };
        build.Environment["GO111MODULE"] = "off";
        using (Process go = Process.Start(build)!)
        {
            go.WaitForExit();
            if (go.ExitCode != 0)
            {
                throw new InvalidOperationException("go build failed (is Go installed?)");
            }
        }

        _program = Process.Start(new ProcessStartInfo(executable, [Goroutines.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        })!;
        if (_program.StandardOutput.ReadLine() != "ready")
        {
            throw new InvalidOperationException("the program did not start its goroutines");
        }

        Thread.Sleep(1000);
        _epoll = Directory.GetFiles($"/proc/{_program.Id}/fd")
            .Where(f => new FileInfo(f).LinkTarget == "anon_inode:[eventpoll]")
            .Select(f => int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        GoroutineSnapshot check = Read();
        if (check.Goroutines.Length < Goroutines || check.Notes.Length > 0)
        {
            throw new InvalidOperationException($"read {check.Goroutines.Length} goroutines: {string.Join("; ", check.Notes)}");
        }

        Console.WriteLine($"// one read: {check.Goroutines.Length} goroutines, {check.Channels.Length} channels, {check.Locks.Length} locks, {check.MemoryReads} reads, {check.BytesRead} bytes from /proc/PID/mem");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _program?.Kill(entireProcessTree: true);
        _program?.WaitForExit();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "read every goroutine, its wait, channels and locks")]
    public GoroutineSnapshot Read() => GoroutineReader.Read(_program!.Id, TimeSpan.FromSeconds(30), _epoll);
}
