using System.Runtime.InteropServices;

namespace ProcAudit.Supervision;

/// <summary>poll(2): wait for output on the tool's pipes while still watching the clock, the exit and cancellation.</summary>
internal static unsafe partial class Poll
{
    public const short POLLIN = 0x1;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int NativePoll(PollFd* fds, nuint count, int timeoutMs);

    /// <summary>Polls; EINTR counts as "nothing ready".</summary>
    public static int Wait(Span<PollFd> fds, int timeoutMs)
    {
        fixed (PollFd* p = fds)
        {
            int n = NativePoll(p, (nuint)fds.Length, timeoutMs);
            return n < 0 ? 0 : n;
        }
    }
}
