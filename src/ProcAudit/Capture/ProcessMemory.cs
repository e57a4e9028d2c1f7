using Microsoft.Win32.SafeHandles;

namespace ProcAudit.Capture;

/// <summary>
/// Reads a few bytes of a live process's memory through /proc/PID/mem (no ptrace attach, nothing
/// stopped): the request a thread is blocked on (a struct flock, a mutex's owner field). The same
/// permission as reading its fds; a failure is a null, never an exception.
/// </summary>
internal static class ProcessMemory
{
    public static byte[]? TryRead(int pid, ulong address, int length)
    {
        if (address == 0 || address > long.MaxValue)
        {
            return null;
        }
        try
        {
            using SafeFileHandle mem = File.OpenHandle($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            byte[] buffer = new byte[length];
            int n = RandomAccess.Read(mem, buffer, (long)address);
            return n == length ? buffer : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
