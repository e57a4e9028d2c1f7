using System.Globalization;
using System.Net.Sockets;

namespace ProcAudit.Tests.Sockets;

/// <summary>Helpers for tests on real sockets of the test process itself.</summary>
internal static class LiveSockets
{
    /// <summary>The descriptor behind a .NET socket.</summary>
    public static int Fd(Socket socket) => (int)socket.SafeHandle.DangerousGetHandle();

    /// <summary>The inode from the socket's /proc/self/fd link, "socket:[N]".</summary>
    public static ulong Inode(Socket socket) => InodeOfFd(Environment.ProcessId, Fd(socket));

    public static ulong InodeOfFd(int pid, int fd)
    {
        string target = new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? throw new InvalidOperationException($"fd {fd} of {pid} is not a link");
        Assert.StartsWith("socket:[", target);
        return ulong.Parse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Writes from a non-blocking socket until the kernel takes no more: three rounds 200 ms apart
    /// that add nothing (buffers can grow a little after the first refusal). Bounded by time and bytes.
    /// </summary>
    public static long FillWithoutBlocking(Socket socket, TimeSpan limit, long maxBytes = 256L << 20)
    {
        socket.Blocking = false;
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        int idleRounds = 0;
        DateTime deadline = DateTime.UtcNow + limit;
        while (idleRounds < 3 && total < maxBytes)
        {
            Assert.True(DateTime.UtcNow < deadline, $"still writing after {limit}: {total} bytes");
            long before = total;
            while (total < maxBytes)
            {
                int n = socket.Send(chunk, 0, chunk.Length, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock)
                {
                    break;
                }
                Assert.Equal(SocketError.Success, error);
                total += n;
            }
            idleRounds = total == before ? idleRounds + 1 : 0;
            Thread.Sleep(200);
        }
        return total;
    }

    /// <summary>Polls <paramref name="probe"/> until it returns true or the time is up.</summary>
    public static bool WaitFor(Func<bool> probe, TimeSpan limit)
    {
        DateTime deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (probe())
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            Thread.Sleep(50);
        }
    }
}
