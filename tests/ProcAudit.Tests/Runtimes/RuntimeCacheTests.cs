using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Tests.Runtimes;

/// <summary>The runtime of a process is read once, yet a runtime loaded or exec'd after the first read is not missed.</summary>
public sealed class RuntimeCacheTests
{
    [Fact]
    public void A_runtime_once_found_is_not_read_again()
    {
        RuntimeCache cache = new();
        int reads = 0;
        Assert.Equal("dotnet", cache.GetOrAdd(Stat("dotnet", threads: 9), () => { reads++; return "dotnet"; }));
        Assert.Equal("dotnet", cache.GetOrAdd(Stat("dotnet", threads: 23), () => { reads++; return null; }));
        Assert.Equal(1, reads);
    }

    [Fact]
    public void No_runtime_is_read_again_only_when_the_thread_count_changed()
    {
        RuntimeCache cache = new();
        int reads = 0;
        // The dotnet host before libcoreclr.so is mapped: one thread, no runtime yet.
        Assert.Null(cache.GetOrAdd(Stat("dotnet", threads: 1), () => { reads++; return null; }));
        Assert.Null(cache.GetOrAdd(Stat("dotnet", threads: 1), () => { reads++; return "dotnet"; }));
        Assert.Equal(1, reads);
        Assert.Equal("dotnet", cache.GetOrAdd(Stat("dotnet", threads: 9), () => { reads++; return "dotnet"; }));
        Assert.Equal(2, reads);
    }

    [Fact]
    public void An_exec_that_keeps_the_name_is_read_again()
    {
        RuntimeCache cache = new();
        // A pyenv shim: bash running a script named python3, which execs the real python3 (same pid, same name).
        Assert.Null(cache.GetOrAdd(Stat("python3", threads: 1, startStack: 0x7ffd1000), () => null));
        Assert.Equal("python", cache.GetOrAdd(Stat("python3", threads: 1, startStack: 0x7ffe2000), () => "python"));
    }

    [Fact]
    public void A_new_name_or_a_new_process_on_the_same_pid_is_read_again()
    {
        RuntimeCache cache = new();
        Assert.Equal("dotnet", cache.GetOrAdd(Stat("dotnet", threads: 9), () => "dotnet"));
        Assert.Null(cache.GetOrAdd(Stat("sh", threads: 9), () => null));
        Assert.Equal("python", cache.GetOrAdd(Stat("python3", threads: 1, startTime: 8), () => "python"));
    }

    private static StatRecord Stat(string comm, int threads, ulong startStack = 0x7ffc0000, ulong startTime = 7) =>
        new(40, comm, "S", 1, 40, 40, 0, 0, 0, threads, startTime) { StartStack = startStack };
}
