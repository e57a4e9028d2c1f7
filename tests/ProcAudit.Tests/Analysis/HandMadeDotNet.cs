using System.Collections.Immutable;

namespace ProcAudit.Tests.Analysis;

/// <summary>Pieces of hand-made .NET processes for analysis tests: threads that sleep in a futex with a managed stack, and did not move.</summary>
internal static class HandMadeDotNet
{
    /// <summary>A snapshot of one audited .NET process, sampled twice 500 ms apart.</summary>
    public static Snapshot Alone(ProcessInfo process) => new()
    {
        CapturedAt = DateTimeOffset.UnixEpoch,
        Root = process.Pid,
        IntervalMs = 500,
        Processes = [process],
    };

    /// <summary>The audited root, a .NET process with no threads yet.</summary>
    public static ProcessInfo Process(int pid) => new()
    {
        Pid = pid,
        Name = "dotnet",
        State = "S",
        Runtime = "dotnet",
        InTree = true,
    };

    public static SyscallInfo Futex() => new() { Number = 202, Name = "futex", Shape = SyscallShape.Futex };

    public static ThreadInfo Thread(int tid, string name, ImmutableArray<string> stack) => new()
    {
        Tid = tid,
        Name = name,
        State = "S",
        Syscall = Futex(),
        ManagedStack = stack,
        Progress = new ThreadProgress(0, 0, false),
    };
}
