using ProcAudit.Analysis;

namespace ProcAudit.Kinds;

/// <summary>eventfd counters: taken as the process's own wake-up (another of its threads writes it).</summary>
internal sealed class EventfdModule : IDescriptorKind
{
    public IReadOnlyList<FdKind> FdKinds { get; } = new[] { FdKind.Eventfd };

    public OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan) =>
        OwnWait.End(WaitEndKind.Internal, $"waits in {call} on an eventfd (fd {fd.Fd})");

    public OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd) => OwnWait.End(WaitEndKind.Internal, "watches its own eventfd");
}
