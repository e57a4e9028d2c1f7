using System.Globalization;

namespace ProcAudit.Python.Tests.Infrastructure;

/// <summary>The threads of a process blocked in futex, with the address each sleeps on, as the kernel tells.</summary>
internal static class FutexWaits
{
    /// <summary>futex(2) on x86-64.</summary>
    public const int FutexSyscall = 202;

    /// <summary>TID to futex address (the call's first argument) from /proc/PID/task/TID/syscall.</summary>
    public static Dictionary<int, ulong> Of(int pid)
    {
        Dictionary<int, ulong> waits = new Dictionary<int, ulong>();
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            string[] fields;
            try
            {
                fields = File.ReadAllText(Path.Combine(task, "syscall")).Split(' ');
            }
            catch (IOException)
            {
                continue;
            }

            if (fields.Length > 1 && fields[0] == FutexSyscall.ToString(CultureInfo.InvariantCulture))
            {
                waits[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = ulong.Parse(fields[1].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        return waits;
    }
}
