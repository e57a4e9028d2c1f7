using System.Collections.Immutable;

namespace ProcAudit.Analysis.Patterns;

/// <summary>
/// Every hang pattern ProcAudit names, in one place: its name as reported (a cycle's <see cref="Cycle.Pattern"/>, a
/// finding's <see cref="Finding.Kind"/>), a short title, and its sentence and fix as functions of typed facts. The
/// finders (<see cref="CycleNamer"/>, <see cref="StallFinder"/>, <see cref="Runtimes.GoStallFinder"/>, <see cref="EndFindings"/>)
/// and the supervised run's leaked-output warning gather the facts and build their cycles and findings only through
/// these entries. One file per family: pipes, sockets, locks (threads, goroutines, async flows), .NET async (sync-over-async), Go channels, and the
/// findings that come from where waits end. A new pattern is an entry in its family's file and a line in <see cref="All"/>.
/// </summary>
internal static partial class PatternCatalogue
{
    private static ImmutableArray<Pattern> s_all;

    /// <summary>Every pattern, cycles first; a pattern not listed here is never reported.</summary>
    // A property, not a field initializer: the entries live in the other parts of this class, whose initializers may run later.
    public static ImmutableArray<Pattern> All => s_all.IsDefault ? s_all = List() : s_all;

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public static Pattern? Find(string name) => All.FirstOrDefault(p => p.Name == name);

    private static ImmutableArray<Pattern> List() => ImmutableArray.Create<Pattern>(
        // Cycles.
        PipeOrderInversion,
        WaitBeforeDrain,
        SendSendDeadlock,
        RecvRecvDeadlock,
        LockOrderInversion,
        AsyncLockOrderInversion,
        SyncContextDeadlock,
        WaitCycle,
        // Findings.
        LeakedWriteEnd,
        ReaderNotReading,
        PeerNotReading,
        BacklogFull,
        LockHolderBlocked,
        LockHeldAcrossBlockingSend,
        GilHolderBlocked,
        ThreadPoolStarvation,
        ChannelReaderBlocked,
        ChanSendNoReceiver,
        ChanRecvNoSender,
        StoppedProcess,
        UnexplainedWait);
}
