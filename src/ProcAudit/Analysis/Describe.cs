using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Runtimes;

namespace ProcAudit.Analysis;

/// <summary>The words the summaries are made of: a process's name and pid, a pipe's role and fill level.</summary>
internal sealed class Describe
{
    private readonly Snapshot _snapshot;

    public Describe(Snapshot snapshot)
    {
        _snapshot = snapshot;
    }

    /// <summary>The snapshot the words are taken from.</summary>
    public Snapshot Snapshot => _snapshot;

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

    /// <summary>"python3 2346", or "python3 2346 (thread 2350 worker)" when the waiter is not the main thread; a runtime view names its own waiters (a goroutine, an async flow).</summary>
    public string Who(WaitEnd end)
    {
        if (RuntimeRegistry.Who(this, end) is string viewed)
        {
            return viewed;
        }
        if (end.Tid is int tid && tid != end.Pid && _snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(t => t.Tid == tid) is ThreadInfo t)
        {
            return $"{Process(end.Pid)} (thread {tid} {t.Name})";
        }
        return Process(end.Pid);
    }

    /// <summary>"thread 1235 (worker-a)".</summary>
    public string Thread(WaitEnd end)
    {
        ThreadInfo? t = end.Tid is int tid ? _snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(x => x.Tid == tid) : null;
        return t is null ? $"thread {end.Tid}" : $"thread {t.Tid} ({t.Name})";
    }

    /// <summary>" (build.py:42 in generate)": where the program's own code waits, as a runtime view read it; "" when none did.</summary>
    public string Where(WaitEnd end) => RuntimeRegistry.Where(this, end);

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
