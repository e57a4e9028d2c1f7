using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>
/// What /proc/PID/task/TID/syscall says: "running"; "-1 SP PC" (in the kernel, not in a syscall);
/// or "NR ARG0..ARG5 SP PC" (blocked in syscall NR). See proc_pid_syscall(5).
/// </summary>
internal sealed record SyscallRecord(bool Running, long Number, ImmutableArray<ulong> Args)
{
    /// <summary>True when the thread is blocked inside a syscall whose number we know.</summary>
    public bool InSyscall => !Running && Number >= 0;
}

/// <summary>Parser for /proc/PID/task/TID/syscall.</summary>
internal static class SyscallFile
{
    public static SyscallRecord? Parse(string text)
    {
        string trimmed = text.Trim();
        if (trimmed == "running")
        {
            return new SyscallRecord(true, -1, ImmutableArray<ulong>.Empty);
        }
        string[] parts = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long nr))
        {
            return null;
        }
        if (nr < 0)
        {
            return new SyscallRecord(false, -1, ImmutableArray<ulong>.Empty);
        }
        if (parts.Length < 7)
        {
            return null;
        }
        ImmutableArray<ulong>.Builder args = ImmutableArray.CreateBuilder<ulong>(6);
        for (int i = 1; i <= 6; i++)
        {
            if (!TryHex(parts[i], out ulong v))
            {
                return null;
            }
            args.Add(v);
        }
        return new SyscallRecord(false, nr, args.MoveToImmutable());
    }

    private static bool TryHex(string s, out ulong value)
    {
        ReadOnlySpan<char> span = s.StartsWith("0x", StringComparison.Ordinal) ? s.AsSpan(2) : s.AsSpan();
        return ulong.TryParse(span, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
