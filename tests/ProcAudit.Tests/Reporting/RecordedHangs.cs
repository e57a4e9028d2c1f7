using ProcAudit.Reporting;
using ProcAudit.Tests.Analysis;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Reporting;

/// <summary>
/// The five real hangs issue 18 asks the wait picture to be drawn from, each as it was recorded: a Python pipe
/// inversion and a shell's leaked write end (recorded /proc trees), a Go sender whose TCP peer does not read,
/// the Go broadcaster's lock held across a blocking send, and two C threads locking two mutexes in opposite
/// order (recorded snapshots).
/// </summary>
internal static class RecordedHangs
{
    public const string PipeInversion = "pipe-inversion";
    public const string LeakedWriteEnd = "leaked-write-end";
    public const string SocketPeerNotReading = "socket-peer-not-reading";
    public const string GoLockChain = "go-lock-chain";
    public const string ThreadLockCycle = "thread-lock-cycle";

    public static AuditResult Load(string hang) => hang switch
    {
        PipeInversion => RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit(),
        LeakedWriteEnd => RecordedFixtures.Load(RecordedFixtures.LeakedWriteEnd).Audit(),
        SocketPeerNotReading => Auditor.Analyze(RecordedSnapshotTests.Load("go-tcp-sender")),
        GoLockChain => Auditor.Analyze(RecordedSnapshotTests.Load("go-broadcaster")),
        ThreadLockCycle => Auditor.Analyze(RecordedSnapshotTests.Load("c-mutex-abba")),
        _ => throw new ArgumentOutOfRangeException(nameof(hang), hang, "not a recorded hang"),
    };

    public static Report ReportOf(string hang) => ReportBuilder.Build(Load(hang));
}
