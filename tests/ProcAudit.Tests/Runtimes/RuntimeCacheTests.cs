using ProcAudit.Capture;

namespace ProcAudit.Tests.Runtimes;

/// <summary>The runtime of a process is read once, yet a runtime loaded after the first read is not missed.</summary>
public sealed class RuntimeCacheTests
{
    [Fact]
    public void A_runtime_once_found_is_not_read_again()
    {
        RuntimeCache cache = new();
        int reads = 0;
        Assert.Equal("dotnet", cache.GetOrAdd(40, 7, "dotnet", 9, () => { reads++; return "dotnet"; }));
        Assert.Equal("dotnet", cache.GetOrAdd(40, 7, "dotnet", 23, () => { reads++; return null; }));
        Assert.Equal(1, reads);
    }

    [Fact]
    public void No_runtime_is_read_again_only_when_the_thread_count_changed()
    {
        RuntimeCache cache = new();
        int reads = 0;
        // The dotnet host before libcoreclr.so is mapped: one thread, no runtime yet.
        Assert.Null(cache.GetOrAdd(40, 7, "dotnet", 1, () => { reads++; return null; }));
        Assert.Null(cache.GetOrAdd(40, 7, "dotnet", 1, () => { reads++; return "dotnet"; }));
        Assert.Equal(1, reads);
        Assert.Equal("dotnet", cache.GetOrAdd(40, 7, "dotnet", 9, () => { reads++; return "dotnet"; }));
        Assert.Equal(2, reads);
    }

    [Fact]
    public void An_exec_or_a_new_process_on_the_same_pid_is_read_again()
    {
        RuntimeCache cache = new();
        Assert.Equal("dotnet", cache.GetOrAdd(40, 7, "dotnet", 9, () => "dotnet"));
        Assert.Null(cache.GetOrAdd(40, 7, "sh", 9, () => null));
        Assert.Equal("python", cache.GetOrAdd(40, 8, "python3", 1, () => "python"));
    }
}
