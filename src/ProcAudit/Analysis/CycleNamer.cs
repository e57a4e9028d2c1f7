using System.Collections.Immutable;

namespace ProcAudit.Analysis;

/// <summary>Gives each wait cycle a stable pattern name, one sentence a person can act on, and a fix.</summary>
internal static class CycleNamer
{
    public static Cycle Name(ImmutableArray<WaitEdge> path, Describe d, ImmutableHashSet<string> full)
    {
        ImmutableArray<WaitEnd> members = path.Select(e => e.From).ToImmutableArray();
        string inferred = path.Any(e => e.Certainty == Certainty.Inferred)
            ? " (one edge is inferred: " + path.First(e => e.Certainty == Certainty.Inferred).Evidence + ")"
            : "";
        if (path.Length == 2)
        {
            WaitEdge? read = path.FirstOrDefault(e => e.Reason == WaitReasons.ReadEmptyPipe);
            WaitEdge? write = path.FirstOrDefault(e => e.Reason == WaitReasons.WriteFullPipe);
            WaitEdge? wait = path.FirstOrDefault(e => e.Reason == WaitReasons.WaitChildExit);
            if (read is not null && write is not null && read.Object != write.Object)
            {
                return PipeOrderInversion(path, members, read, write, d, full, inferred);
            }
            if (wait is not null && write is not null)
            {
                return WaitBeforeDrain(path, members, wait, write, d, full, inferred);
            }
        }
        string chain = string.Join(", ", path.Select(e => $"{d.Process(e.From.Pid)} {Verb(e)} {d.Process(e.To.Pid)}"));
        return new Cycle("wait-cycle", members, path,
            $"Wait cycle: {chain}; none of them can move{inferred}.",
            "Break the cycle at any edge: make one of these waits asynchronous or bounded.");
    }

    private static Cycle PipeOrderInversion(ImmutableArray<WaitEdge> path, ImmutableArray<WaitEnd> members, WaitEdge read, WaitEdge write,
        Describe d, ImmutableHashSet<string> full, string inferred)
    {
        int reader = read.From.Pid;
        int writer = write.From.Pid;
        string readStream = d.StreamName(read.Object!);
        string writeStream = d.StreamName(write.Object!);
        string cap = d.Capacity(write.Object!);
        string summary =
            $"{d.Process(reader)} reads {readStream} ({Fd(read)}{read.Object}, {d.Fill(read.Object!, false)}) until EOF while " +
            $"{d.Relation(reader, writer)}{d.Process(writer)} blocks writing {writeStream} ({Fd(write)}{write.Object}, {d.Fill(write.Object!, full.Contains(write.Object!))}), " +
            $"a full {(cap.Length > 0 ? cap + " " : "")}pipe only {reader} can drain{inferred}.";
        return new Cycle("pipe-order-inversion", members, path, summary,
            $"Read {readStream} and {writeStream} concurrently (two threads, async reads, or poll), or merge them into one stream; never drain one to EOF before the other.");
    }

    private static Cycle WaitBeforeDrain(ImmutableArray<WaitEdge> path, ImmutableArray<WaitEnd> members, WaitEdge wait, WaitEdge write,
        Describe d, ImmutableHashSet<string> full, string inferred)
    {
        int parent = wait.From.Pid;
        int child = wait.To.Pid;
        string stream = d.StreamName(write.Object!);
        string cap = d.Capacity(write.Object!);
        string summary =
            $"{d.Process(parent)} waits for {d.Relation(parent, child)}{d.Process(child)} to exit before reading its {stream}, while " +
            $"{d.Process(child)} blocks writing {stream} ({Fd(write)}{write.Object}, {d.Fill(write.Object!, full.Contains(write.Object!))}), " +
            $"a full {(cap.Length > 0 ? cap + " " : "")}pipe only {parent} can drain{inferred}.";
        return new Cycle("wait-before-drain", members, path, summary,
            $"Read the child's {stream} to EOF (or concurrently) before waiting for it to exit.");
    }

    private static string Fd(WaitEdge e) => e.Fd is int fd ? $"fd {fd}, " : "";

    public static string Verb(WaitEdge e) => e.Reason switch
    {
        WaitReasons.ReadEmptyPipe => $"reads empty {e.Object} written by",
        WaitReasons.WriteFullPipe => $"writes full {e.Object} read by",
        WaitReasons.WaitChildExit => "waits for the exit of",
        _ => $"waits ({e.Reason}) for",
    };
}
