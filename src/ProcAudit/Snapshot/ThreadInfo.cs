using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace ProcAudit;

/// <summary>One thread (task) of a process.</summary>
public sealed record ThreadInfo
{
    /// <summary>Thread id (the main thread's equals the pid).</summary>
    public required int Tid { get; init; }

    /// <summary>The thread's comm.</summary>
    public required string Name { get; init; }

    /// <summary>The kernel's state letter.</summary>
    public required string State { get; init; }

    /// <summary>The kernel function the thread sleeps in, when it sleeps and the kernel says.</summary>
    public string? Wchan { get; init; }

    /// <summary>The syscall the thread is blocked in; null when it runs in user space or it is unknown.</summary>
    public SyscallInfo? Syscall { get; init; }

    /// <summary>Kernel stack function names, innermost first, when readable (root).</summary>
    public ImmutableArray<string> KernelStack { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>Managed frames, innermost first, when a runtime enricher could read them.</summary>
    public ImmutableArray<string> ManagedStack { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>A Python thread's frames (function, file, line), innermost first, when the Python view could read them.</summary>
    public ImmutableArray<StackFrame> PythonStack { get; init => field = value.OrEmpty(); } = ImmutableArray<StackFrame>.Empty;

    /// <summary>For a Python thread: true when it holds the GIL (read where the interpreter records it); null when unknown or not Python.</summary>
    public bool? HoldsGil { get; init; }

    /// <summary>
    /// For a Python thread: the threading lock or the GIL it sleeps on, and the waited-for locks it is inside a
    /// <c>with</c> block of; absent when it has none or the Python view did not read them.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PythonWaitInfo? PythonWait { get; init; }

    /// <summary>User plus system CPU time in clock ticks.</summary>
    public long CpuTicks { get; init; }

    /// <summary>Voluntary plus involuntary context switches.</summary>
    public long ContextSwitches { get; init; }

    /// <summary>How much the thread moved since the previous sample; null for a single sample or a new thread.</summary>
    public ThreadProgress? Progress { get; init; }

    /// <summary>
    /// For a thread blocked in futex: the thread it waits for, read from the process's memory and
    /// validated (a glibc mutex's owner, a PI futex's owner, the thread being joined); null otherwise.
    /// </summary>
    public FutexOwner? FutexOwner { get; init; }

    /// <summary>
    /// Seconds since the thread last ran (now minus se.exec_start of /proc/PID/task/TID/sched),
    /// read for threads in a timed wait, so a sleep can say how much of it is left; null otherwise.
    /// </summary>
    public double? OffCpuSeconds { get; init; }
}

/// <summary>The thread a futex wait is waiting for, and how that was found out.</summary>
/// <param name="Tid">The owner (or joined) thread, a thread of the same process.</param>
/// <param name="Object">The futex, <c>futex:PID:0xADDR</c>.</param>
/// <param name="Kind"><c>mutex</c> (glibc mutex, owner from its __owner field), <c>pi-mutex</c> (owner in the futex word), or <c>join</c> (pthread_join on that thread).</param>
/// <param name="How">In words: what was read and checked.</param>
public sealed record FutexOwner(int Tid, string Object, string Kind, string How);

/// <summary>Counters that changed between two samples of one thread.</summary>
/// <param name="CpuTicks">CPU clock ticks used in between.</param>
/// <param name="ContextSwitches">Context switches in between: a thread that sleeps on one object and never wakes has none.</param>
/// <param name="SyscallChanged">True when the thread was in a different syscall (or none) in the first sample.</param>
public sealed record ThreadProgress(long CpuTicks, long ContextSwitches, bool SyscallChanged)
{
    /// <summary>True when the thread did anything at all between the samples.</summary>
    public bool Moved => CpuTicks > 0 || ContextSwitches > 0 || SyscallChanged;
}
