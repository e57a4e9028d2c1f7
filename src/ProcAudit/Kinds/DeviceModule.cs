using ProcAudit.Analysis;

namespace ProcAudit.Kinds;

/// <summary>Devices: a terminal waits for a person (or for output to be resumed); any other device for the hardware. Both are outside the tree.</summary>
internal sealed class DeviceModule : IDescriptorKind
{
    public IReadOnlyList<FdKind> FdKinds { get; } = new[] { FdKind.Device };

    public OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan) =>
        IsTerminal(fd.Target)
            ? OwnWait.End(WaitEndKind.Outside, write ? $"waits to write to the terminal {fd.Target} (output suspended, e.g. by Ctrl-S?)" : $"waits for input on the terminal {fd.Target}")
            : OwnWait.End(WaitEndKind.Outside, $"waits in {call} on the device {fd.Target}");

    public OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd) =>
        OwnWait.End(WaitEndKind.Outside, $"waits on {fd.Target}{(IsTerminal(fd.Target) ? ", a terminal" : "")}");

    private static bool IsTerminal(string path) =>
        path.StartsWith("/dev/pts/", StringComparison.Ordinal) || path.StartsWith("/dev/tty", StringComparison.Ordinal) || path == "/dev/console";
}
