using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.Analysis;

/// <summary>The words the summaries are made of: a process's name and pid, a pipe's role and fill level.</summary>
internal sealed class Describe
{
    private readonly Snapshot _snapshot;

    public Describe(Snapshot snapshot)
    {
        _snapshot = snapshot;
    }

    /// <summary>"python3 2346".</summary>
    public string Process(int pid) => _snapshot.FindProcess(pid) is ProcessInfo p ? $"{DisplayName(p)} {pid}" : $"process {pid}";

    /// <summary>
    /// comm, unless the kernel cut it at 15 bytes and the program's own name says more
    /// ("dotnet-procaudi" becomes "dotnet-procaudit").
    /// </summary>
    public static string DisplayName(ProcessInfo p) => DisplayName(p.Name, p.Cmdline);

    /// <summary>The name of a process known by its comm and command line (<see cref="DisplayName(ProcessInfo)"/>).</summary>
    public static string DisplayName(string comm, ImmutableArray<string> cmdline)
    {
        if (comm.Length != 15 || cmdline.IsDefaultOrEmpty)
        {
            return comm;
        }
        string program = Path.GetFileName(cmdline[0]);
        return program.StartsWith(comm, StringComparison.Ordinal) ? program : comm;
    }

    /// <summary>"its child ", "its parent " or nothing, as <paramref name="other"/> relates to <paramref name="self"/>.</summary>
    public string Relation(int self, int other)
    {
        ProcessInfo? o = _snapshot.FindProcess(other);
        ProcessInfo? s = _snapshot.FindProcess(self);
        if (o?.PPid == self)
        {
            return "its child ";
        }
        if (s?.PPid == other)
        {
            return "its parent ";
        }
        return "";
    }

    /// <summary>
    /// The name a person knows the pipe by: "stdout" or "stderr" when a writer holds it as fd 1 or 2
    /// (or "stdin" when a reader holds it as fd 0); else its id.
    /// </summary>
    public string StreamName(string pipeId)
    {
        PipeInfo? pipe = _snapshot.FindPipe(pipeId);
        if (pipe is null)
        {
            return pipeId;
        }
        if (pipe.Holders.Any(h => h.Role == "writer" && h.Fd == 1))
        {
            return "stdout";
        }
        if (pipe.Holders.Any(h => h.Role == "writer" && h.Fd == 2))
        {
            return "stderr";
        }
        if (pipe.Holders.Any(h => h.Role == "reader" && h.Fd == 0))
        {
            return "stdin";
        }
        return "a pipe";
    }

    /// <summary>"65536/65536 bytes full", "empty", or "fill unknown".</summary>
    public string Fill(string pipeId, bool full)
    {
        PipeInfo? pipe = _snapshot.FindPipe(pipeId);
        return Fill(pipe?.QueuedBytes, pipe?.CapacityBytes, full);
    }

    /// <summary>A pipe's fill level from its queued bytes and capacity (<see cref="Fill(string, bool)"/>).</summary>
    public static string Fill(long? queuedBytes, long? capacityBytes, bool full)
    {
        if (queuedBytes is not long queued)
        {
            return full ? "full" : "fill unknown";
        }
        if (queued == 0)
        {
            return "empty";
        }
        string cap = capacityBytes is long c ? c.ToString(CultureInfo.InvariantCulture) : "?";
        return $"{queued.ToString(CultureInfo.InvariantCulture)}/{cap} bytes{(full ? " full" : "")}";
    }

    /// <summary>
    /// A socket as a person reads it: "127.0.0.1:52764 -> 127.0.0.1:35191, socket:[9001], Send-Q
    /// 3,782,144 bytes" (a unix socket by its path, or its id alone).
    /// </summary>
    public string Socket(string id)
    {
        SocketInfo? s = _snapshot.FindSocket(id);
        if (s is null)
        {
            return id;
        }
        string where = s.Local is not null && s.Remote is not null ? $"{s.Local} -> {s.Remote}, " : s.Path is { Length: > 0 } p ? $"{s.Kind.Name()} {p}, " : $"{s.Kind.Name()}, ";
        string sendQ = s.SendQueueBytes is long q ? $", Send-Q {Bytes(q)}" : "";
        return $"{where}{id}{sendQ}";
    }

    /// <summary>"python3 2346", or "python3 2346 (thread 2350 worker)" when the waiter is not the main thread.</summary>
    public string Who(WaitEnd end)
    {
        if (end.Flow is string flow)
        {
            return $"{Process(end.Pid)} {Flow(end.Pid, flow)}";
        }
        if (end.Goroutine is not null)
        {
            return $"{Process(end.Pid)} {Goroutine(end)}";
        }
        if (end.Tid is int tid && tid != end.Pid && _snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(t => t.Tid == tid) is ThreadInfo t)
        {
            return $"{Process(end.Pid)} (thread {tid} {t.Name})";
        }
        return Process(end.Pid);
    }

    /// <summary>
    /// " (build.py:42 in generate)": where a Python thread's own code waits, when the Python view read
    /// its stack (the main thread for a whole process); "" otherwise.
    /// </summary>
    public string PythonWhere(WaitEnd end)
    {
        ProcessInfo? p = _snapshot.FindProcess(end.Pid);
        ThreadInfo? t = p?.Threads.FirstOrDefault(x => x.Tid == (end.Tid ?? end.Pid));
        if (t is null || t.PythonStack.IsDefaultOrEmpty)
        {
            return "";
        }
        StackFrame? own = t.PythonStack.FirstOrDefault(x => !IsPythonLibrary(x.File));
        if (own is null)
        {
            // Only library frames: a library's own thread (a multiprocessing queue's feeder). The function the
            // thread was started to run says what it is; the innermost frame says where it waits.
            StackFrame inner = t.PythonStack[0];
            StackFrame? started = t.PythonStack.TakeWhile(x => x.Function is not ("Thread.run" or "run")).LastOrDefault();
            string role = started is not null && started != inner ? $"{started.Function}, " : "";
            return $" ({role}{System.IO.Path.GetFileName(inner.File)}:{inner.Line} in {inner.Function})";
        }
        // The library call the program's line is in says how it waits (Popen.wait, Process.join).
        string callee = PythonCallee(end) is StackFrame call ? $", in {LibraryName(call)}" : "";
        return $" ({System.IO.Path.GetFileName(own.File)}:{own.Line} in {own.Function}{callee})";
    }

    /// <summary>The interpreter-library call a Python thread's own innermost line is in (subprocess.py's Popen.wait), when the view read one.</summary>
    public StackFrame? PythonCallee(WaitEnd end)
    {
        ThreadInfo? t = _snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(x => x.Tid == (end.Tid ?? end.Pid));
        if (t is null || t.PythonStack.IsDefaultOrEmpty || t.PythonStack.FirstOrDefault(x => !IsPythonLibrary(x.File)) is not StackFrame own)
        {
            return null;
        }
        int at = t.PythonStack.IndexOf(own);
        return at > 0 ? t.PythonStack[at - 1] : null;
    }

    /// <summary>
    /// "Popen.wait" where the interpreter records qualified names (3.11+); before that a code object holds only
    /// "wait", so the library file says whose it is: "wait (subprocess.py)".
    /// </summary>
    private static string LibraryName(StackFrame call) =>
        call.Function.Contains('.', StringComparison.Ordinal) || call.File is null ? call.Function : $"{call.Function} ({System.IO.Path.GetFileName(call.File)})";

    /// <summary>The interpreter's own library (subprocess.py, threading.py), not the program's code.</summary>
    private static bool IsPythonLibrary(string? file) =>
        file is null || file.StartsWith("<frozen", StringComparison.Ordinal)
        || (System.Text.RegularExpressions.Regex.IsMatch(file, @"/lib/python\d+\.\d+/") && !file.Contains("-packages/", StringComparison.Ordinal));

    /// <summary>The async flow with this id, when captured.</summary>
    public AsyncFlowInfo? FlowInfo(int pid, string id) => _snapshot.FindProcess(pid)?.AsyncFlows.FirstOrDefault(x => x.Id == id);

    /// <summary>A thread's managed frames, innermost first (empty when not read).</summary>
    public ImmutableArray<string> ManagedStack(WaitEnd end) =>
        (end.Tid is int tid ? _snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(x => x.Tid == tid)?.ManagedStack : null) ?? ImmutableArray<string>.Empty;

    /// <summary>"async flow Abba.BothFlows@0 > Task.WhenAll > Abba.Flow@2": the awaiting methods, outermost first.</summary>
    public string Flow(int pid, string id)
    {
        AsyncFlowInfo? f = _snapshot.FindProcess(pid)?.AsyncFlows.FirstOrDefault(x => x.Id == id);
        return f is null || f.Frames.IsDefaultOrEmpty ? $"async flow {id}" : $"async flow {string.Join(" > ", f.Frames)}";
    }

    /// <summary>"goroutine 21 (main.(*room).broadcast, room.go:31)": where the program's own code waits.</summary>
    public string Goroutine(WaitEnd end)
    {
        GoroutineInfo? g = _snapshot.FindProcess(end.Pid)?.Goroutines.FirstOrDefault(x => x.Id == end.Goroutine);
        StackFrame? own = g is null ? null : OwnFrame(g);
        if (own is null)
        {
            return $"goroutine {end.Goroutine}";
        }
        // The library call the program's code is in says how it waits (encoding/json.(*Decoder).Decode, net.(*conn).Write).
        int at = g!.Frames.IndexOf(own);
        string? callee = at > 0 && !g.Frames[at - 1].Function.StartsWith("runtime.", StringComparison.Ordinal) ? g.Frames[at - 1].Function : null;
        return $"goroutine {end.Goroutine} ({own.Function}, {System.IO.Path.GetFileName(own.File)}:{own.Line}{(callee is null ? "" : ", in " + callee)})";
    }

    /// <summary>
    /// The innermost frame of the program's own code: package main, or a module path (its first element has a
    /// dot); the standard library (runtime, sync, net, internal/poll) is skipped.
    /// </summary>
    public static StackFrame? OwnFrame(GoroutineInfo g) =>
        g.Frames.FirstOrDefault(f => IsOwnCode(f.Function)) ?? g.Frames.FirstOrDefault(f => !f.Function.StartsWith("runtime.", StringComparison.Ordinal));

    /// <summary>The runtime's own goroutines (GC workers, finalizers, timers, cleanups): no frame outside package runtime.</summary>
    public static bool IsRuntimeGoroutine(GoroutineInfo g) =>
        g.Frames.Length > 0 && g.Frames.All(f => f.Function.StartsWith("runtime.", StringComparison.Ordinal));

    private static bool IsOwnCode(string function)
    {
        int slash = function.IndexOf('/');
        string first = slash < 0 ? function[..Math.Max(0, function.IndexOf('.'))] : function[..slash];
        return first == "main" || first.Contains('.');
    }

    /// <summary>The goroutine of a Go process that is in a system call on the end's thread, if the goroutines were read.</summary>
    public long? GoroutineInSyscall(WaitEnd end) =>
        end.Tid is int tid ? _snapshot.FindProcess(end.Pid)?.Goroutines.FirstOrDefault(g => g.State == "syscall" && g.ThreadId == tid)?.Id : null;

    /// <summary>"sync.RWMutex 0xc0000926f0": the lock a go-lock edge waits for.</summary>
    public string GoLock(WaitEdge edge)
    {
        GoLockInfo? l = _snapshot.FindProcess(edge.From.Pid)?.GoLocks.FirstOrDefault(x => x.Id == edge.Object);
        return l is null ? edge.Object ?? "a lock" : GoLockHolders.Name(l);
    }

    /// <summary>The type of the object a managed-lock edge waits for.</summary>
    public string ManagedLockType(WaitEdge edge) =>
        _snapshot.FindProcess(edge.From.Pid)?.ManagedLocks.FirstOrDefault(l => l.Id == edge.Object)?.Type ?? edge.Object ?? "an object";

    /// <summary>"thread 1235 (worker-a)".</summary>
    public string Thread(WaitEnd end)
    {
        ThreadInfo? t = end.Tid is int tid ? _snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(x => x.Tid == tid) : null;
        return t is null ? $"thread {end.Tid}" : $"thread {t.Tid} ({t.Name})";
    }

    /// <summary>A lock as a person knows it: "the flock on /tmp/a.lock", "bytes 0-9 of /tmp/db (POSIX lock)".</summary>
    public string Lock(string id)
    {
        FileLockInfo? l = _snapshot.FileLocks.FirstOrDefault(x => x.Id == id);
        if (l is null)
        {
            return id;
        }
        string file = _snapshot.FileLocks.Where(x => x.Id == id && x.Path is not null).Select(x => x.Path).FirstOrDefault() ?? id;
        return l.Class == "FLOCK"
            ? $"the flock on {file}"
            : $"bytes {l.Start}-{(l.End is ulong e ? e.ToString(CultureInfo.InvariantCulture) : "EOF")} of {file} ({(l.Class == "OFDLCK" ? "OFD" : l.Class)} lock)";
    }

    /// <summary>"3,782,144 bytes".</summary>
    public static string Bytes(long n) => n.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

    /// <summary>A capacity in words: "64 KiB".</summary>
    public string Capacity(string pipeId)
    {
        long? cap = _snapshot.FindPipe(pipeId)?.CapacityBytes;
        return cap is long c && c % 1024 == 0 ? $"{(c / 1024).ToString(CultureInfo.InvariantCulture)} KiB" : "";
    }

    /// <summary>The command line, shortened for a sentence.</summary>
    public string Command(int pid) => _snapshot.FindProcess(pid) is ProcessInfo p ? Command(p.Name, p.Cmdline) : "?";

    /// <summary>A command line shortened for a sentence, or the comm when there is none.</summary>
    public static string Command(string comm, ImmutableArray<string> cmdline)
    {
        if (cmdline.IsDefaultOrEmpty)
        {
            return comm;
        }
        string line = string.Join(' ', cmdline);
        return line.Length <= 80 ? line : line[..77] + "...";
    }
}
