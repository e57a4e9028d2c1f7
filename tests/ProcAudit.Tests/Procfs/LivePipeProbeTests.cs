using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ProcAudit.Capture;

namespace ProcAudit.Tests.Procfs;

/// <summary>
/// The live probe on descriptors of the test's own process (pidfd_getfd on itself): an anonymous pipe with
/// five bytes queued is measured; a named FIFO of the same shape (a FIFO, its own inode) is refused, since
/// the probe tells an anonymous pipe by the pipefs device it lives on.
/// </summary>
public sealed class LivePipeProbeTests
{
    [Fact]
    public void An_anonymous_pipe_is_measured_through_its_holder_without_reading_it()
    {
        using AnonymousPipeServerStream writer = new(PipeDirection.Out);
        using AnonymousPipeClientStream reader = new(PipeDirection.In, writer.ClientSafePipeHandle);
        writer.Write("hello"u8);
        writer.Flush();
        int fd = (int)reader.SafePipeHandle.DangerousGetHandle();

        PipeLevel level = new LivePipeProbe().Probe(Environment.ProcessId, fd, Inode(fd));

        Assert.Null(level.Problem);
        Assert.Equal(5, level.QueuedBytes);
        Assert.Equal(Fcntl(fd, 1032), level.CapacityBytes); // F_GETPIPE_SZ, as the kernel sizes it here
        Span<byte> still = stackalloc byte[8];
        Assert.Equal(5, reader.Read(still)); // the probe read nothing
    }

    [Fact]
    public void Several_ends_of_one_holder_are_measured_together_each_as_its_own()
    {
        using AnonymousPipeServerStream first = new(PipeDirection.Out);
        using AnonymousPipeServerStream second = new(PipeDirection.Out);
        first.Write(new byte[3]);
        second.Write(new byte[700]);
        int a = (int)first.ClientSafePipeHandle.DangerousGetHandle();
        int b = (int)second.ClientSafePipeHandle.DangerousGetHandle();

        IReadOnlyList<PipeLevel> levels = new LivePipeProbe().Probe(Environment.ProcessId, [(a, Inode(a)), (b, Inode(b)), (b, Inode(a))]);

        Assert.Equal([3L, 700L, null], levels.Select(l => l.QueuedBytes));
        Assert.Equal($"fd {b} of {Environment.ProcessId} no longer refers to pipe:[{Inode(a)}]", levels[2].Problem);
    }

    [Fact]
    public void A_named_fifo_is_not_taken_for_the_anonymous_pipe_of_its_inode_number()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-probe-").FullName;
        string path = Path.Combine(dir, "fifo");
        Assert.Equal(0, mkfifo(path, 0x180));
        try
        {
            // O_RDWR: a FIFO opened for both never waits for a partner on Linux.
            using SafeFileHandle fifo = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            int fd = (int)fifo.DangerousGetHandle();

            PipeLevel level = new LivePipeProbe().Probe(Environment.ProcessId, fd, Inode(fd));

            Assert.Null(level.QueuedBytes);
            Assert.Null(level.CapacityBytes);
            Assert.Equal($"fd {fd} of {Environment.ProcessId} no longer refers to pipe:[{Inode(fd)}]", level.Problem);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The descriptor's inode, from statx (struct statx: stx_mode at 28, stx_ino at 32).</summary>
    private static ulong Inode(int fd)
    {
        byte[] st = new byte[256];
        Assert.Equal(0, statx(fd, "", 0x1000 /* AT_EMPTY_PATH */, 0x101 /* STATX_TYPE | STATX_INO */, st));
        Assert.Equal(0x1000, BitConverter.ToUInt16(st, 28) & 0xF000); // S_IFIFO
        return BitConverter.ToUInt64(st, 32);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int cmd);
}
