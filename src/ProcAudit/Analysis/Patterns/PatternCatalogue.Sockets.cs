using System.Collections.Immutable;
using System.Globalization;
using static ProcAudit.Analysis.Patterns.Clause;

namespace ProcAudit.Analysis.Patterns;

/// <summary>The socket patterns: both sides sending, both sides waiting to receive, a peer that does not read, a listener that does not accept.</summary>
internal static partial class PatternCatalogue
{
    /// <summary>Each side blocks sending to the other, and neither reads until its own send completes.</summary>
    public static readonly CyclePattern<SendSendDeadlockFacts> SendSendDeadlock = new(
        "send-send-deadlock",
        "both sides send, neither reads",
        f => $"{f.A} blocks sending to {f.B} ({FdComma(f.FdA)}{f.SocketA}) while {f.B} blocks sending back " +
            $"({FdComma(f.FdB)}{f.SocketB}); each waits for the other to read, and neither reads until its own send completes{OneEdgeInferred(f.Inferred)}.",
        _ => "Read while writing (a reader thread, or non-blocking I/O with poll), or make one side finish reading before it sends a large message.");

    /// <summary>Each side waits to receive from the other.</summary>
    public static readonly CyclePattern<RecvRecvDeadlockFacts> RecvRecvDeadlock = new(
        "recv-recv-deadlock",
        "both sides wait for the other to speak first",
        f => $"{f.A} waits to receive from {f.B} ({f.SocketA}) while {f.B} waits to receive from it " +
            $"({f.SocketB}): each waits for the other to speak first{OneEdgeInferred(f.Inferred)}.",
        _ => "Decide which side speaks first in the protocol (e.g. the client sends its request before reading), or add a timeout.");

    /// <summary>A sender blocks on a full socket whose peer (on this machine, or a remote one advertising a zero window) does not read.</summary>
    public static readonly FindingPattern<PeerNotReadingFacts> PeerNotReading = new(
        "peer-not-reading",
        "a full socket whose peer does not read",
        f => f switch
        {
            PeerNotReadingFacts.Remote r =>
                $"{r.Sender} {Verb(r)} sending on fd {r.Fd} ({r.Socket}), and the remote peer {r.PeerAddress} advertises a zero window: it does not read{InferredFrom(r.Inferred)}.",
            PeerNotReadingFacts.Local l =>
                $"{l.Sender} {Verb(l)} sending on fd {l.Fd} ({l.Socket}), but the peer, {l.Reader} fd {l.ReaderFd} ({l.PeerSocket}{(l.PeerRecvQueue is long q ? $", Recv-Q {Describe.Bytes(q)}" : "")}), " +
                $"does not read it: it {l.Doing}{InferredFrom(l.Inferred)}.",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        },
        f => f switch
        {
            PeerNotReadingFacts.Remote r => $"Find out why {r.PeerAddress} stopped reading; give the sender a timeout so it can tell.",
            PeerNotReadingFacts.Local l => $"Make {l.Reader} read the connection (or close it when it is done), and give the sender a timeout so it can tell.",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        });

    /// <summary>A listener whose accept backlog is full while none of its holders accepts: clients hang in connect.</summary>
    public static readonly FindingPattern<BacklogFullFacts> BacklogFull = new(
        "backlog-full",
        "a listener that does not accept",
        f => $"{f.Server} listens on {f.Address} ({f.Listener}) but does not accept: {f.Pending?.ToString(CultureInfo.InvariantCulture) ?? "some"} connections wait " +
            $"and the backlog ({f.Limit?.ToString(CultureInfo.InvariantCulture) ?? "?"}) is full" +
            $"{(f.Clients.IsEmpty ? "" : $"; {string.Join(", ", f.Clients)} block{Singular(f.Clients.Length)} in connect")}; it {f.Doing}.",
        f => $"Make {f.Server} accept (a thread that loops on accept), or raise the backlog; give clients a connect timeout.");

    private static string Verb(PeerNotReadingFacts f) => f.Inferred is null ? "blocks" : "waits";
}

/// <param name="A">The first sender.</param>
/// <param name="B">The second sender.</param>
/// <param name="FdA">The first sender's descriptor.</param>
/// <param name="SocketA">The socket it sends on, in words (<see cref="Describe.Socket"/>).</param>
/// <param name="FdB">The second sender's descriptor.</param>
/// <param name="SocketB">The socket it sends back on.</param>
/// <param name="Inferred">The evidence of the first inferred edge; null when every edge was observed.</param>
internal sealed record SendSendDeadlockFacts(string A, string B, int? FdA, string SocketA, int? FdB, string SocketB, string? Inferred);

/// <param name="A">The first receiver.</param>
/// <param name="B">The second receiver.</param>
/// <param name="SocketA">The socket the first waits on, in words.</param>
/// <param name="SocketB">The socket the second waits on.</param>
/// <param name="Inferred">The evidence of the first inferred edge; null when every edge was observed.</param>
internal sealed record RecvRecvDeadlockFacts(string A, string B, string SocketA, string SocketB, string? Inferred);

/// <summary>A sender whose peer does not read: on this machine, or remote.</summary>
/// <param name="Sender">The sender (a process, or a goroutine of one).</param>
/// <param name="Fd">Its descriptor.</param>
/// <param name="Socket">The socket it sends on, in words.</param>
/// <param name="Inferred">What the send is inferred from; null when observed.</param>
internal abstract record PeerNotReadingFacts(string Sender, int? Fd, string Socket, string? Inferred)
{
    /// <param name="Sender">The sender.</param>
    /// <param name="Fd">Its descriptor.</param>
    /// <param name="Socket">The socket it sends on, in words.</param>
    /// <param name="PeerAddress">The remote address that advertises a zero window.</param>
    /// <param name="Inferred">What the send is inferred from; null when observed.</param>
    public sealed record Remote(string Sender, int? Fd, string Socket, string PeerAddress, string? Inferred) : PeerNotReadingFacts(Sender, Fd, Socket, Inferred);

    /// <param name="Sender">The sender.</param>
    /// <param name="Fd">Its descriptor.</param>
    /// <param name="Socket">The socket it sends on, in words.</param>
    /// <param name="Reader">The process holding the peer socket.</param>
    /// <param name="ReaderFd">Its descriptor of it.</param>
    /// <param name="PeerSocket">The peer socket's id.</param>
    /// <param name="PeerRecvQueue">Bytes queued for the reader, when known.</param>
    /// <param name="Doing">What the reader does instead (<see cref="StallFinder.Activity"/>).</param>
    /// <param name="Inferred">What the send is inferred from; null when observed.</param>
    public sealed record Local(string Sender, int? Fd, string Socket, string Reader, int? ReaderFd, string PeerSocket, long? PeerRecvQueue, string Doing, string? Inferred)
        : PeerNotReadingFacts(Sender, Fd, Socket, Inferred);
}

/// <param name="Server">The first holder of the listener.</param>
/// <param name="Address">Where it listens: its local address, path, or id.</param>
/// <param name="Listener">The listening socket's id.</param>
/// <param name="Pending">Connections waiting to be accepted, when known.</param>
/// <param name="Limit">The backlog, when known.</param>
/// <param name="Clients">The processes blocked in connect, each once.</param>
/// <param name="Doing">What the server does instead (<see cref="StallFinder.Activity"/>).</param>
internal sealed record BacklogFullFacts(string Server, string Address, string Listener, long? Pending, long? Limit, ImmutableArray<string> Clients, string Doing);
