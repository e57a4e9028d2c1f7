using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Enrichment;
using ProcAudit.Python;

namespace ProcAudit.Views;

/// <summary>
/// The Python view: each thread's Python stack, read from the interpreter's memory (no ptrace, no
/// signal) and set on the kernel thread it runs on. A thread that ran Python code while it was read
/// may give a torn stack, so a stack is kept only when the thread sat in the same system call
/// before and after the read, as the capture saw it and as /proc says now.
/// </summary>
public sealed class PythonView : IRuntimeEnricher
{
    /// <inheritdoc />
    public string Runtime => "python";

    /// <inheritdoc />
    public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken)
    {
        // The futex each blocked thread sleeps on tells a GIL waiter and a lock waiter apart (the call's first argument).
        Dictionary<int, ulong> futexWaits = process.Threads
            .Where(t => t.Syscall is { Shape: SyscallShape.Futex, Args.Length: > 0 })
            .ToDictionary(t => t.Tid, t => t.Syscall!.Args[0]);
        PythonProcessView view = PythonReader.Read(process.Pid, budget, futexWaits, cancellationToken);
        ImmutableArray<Note>.Builder notes = ImmutableArray.CreateBuilder<Note>();
        foreach (string note in view.Notes)
        {
            notes.Add(new Note("unreadable", $"Python view of {process.Pid}: {note}", process.Pid));
        }
        Dictionary<int, PythonThread> byTid = view.Threads.Where(t => t.NativeThreadId is not null).GroupBy(t => t.NativeThreadId!.Value).ToDictionary(g => g.Key, g => g.First());
        int torn = 0;
        ImmutableArray<ThreadInfo> threads = process.Threads.Select(t =>
        {
            if (!byTid.TryGetValue(t.Tid, out PythonThread? python))
            {
                return t;
            }
            if (!StillInSameCall(process.Pid, t))
            {
                torn++;
                return t with { HoldsGil = python.HoldsGil };
            }
            return t with
            {
                PythonStack = python.Frames.Select(f => new StackFrame(f.QualifiedName ?? f.Function, f.File, f.Line)).ToImmutableArray(),
                HoldsGil = python.HoldsGil,
                PythonWait = PythonWaits.Of(process.Pid, python),
            };
        }).ToImmutableArray();
        if (torn > 0)
        {
            notes.Add(new Note("changed", $"Python view of {process.Pid}: {torn} thread{(torn == 1 ? " was" : "s were")} not in the same system call before and after the read (running Python code), so {(torn == 1 ? "its stack was" : "their stacks were")} left out", process.Pid));
        }
        bool read = view.Threads.Length > 0;
        return new RuntimeView(process with
        {
            Threads = threads,
            RuntimeVersion = view.Version ?? process.RuntimeVersion,
            RuntimeViews = read ? process.RuntimeViews.Add("python-stacks") : process.RuntimeViews,
        }, notes.ToImmutable());
    }

    /// <summary>The thread was blocked in a call when captured and is in the same call now.</summary>
    private static bool StillInSameCall(int pid, ThreadInfo thread)
    {
        if (thread.Syscall is null)
        {
            return false;
        }
        try
        {
            string text = File.ReadAllText($"/proc/{pid}/task/{thread.Tid}/syscall");
            int space = text.IndexOf(' ');
            return space > 0 && long.TryParse(text.AsSpan(0, space), NumberStyles.Integer, CultureInfo.InvariantCulture, out long number) && number == thread.Syscall.Number;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
