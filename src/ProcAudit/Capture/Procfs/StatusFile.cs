using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>The fields of /proc/PID/status the audit uses.</summary>
internal sealed record StatusRecord(int? Uid, long VoluntarySwitches, long InvoluntarySwitches, int TracerPid = 0);

/// <summary>Parser for /proc/PID/status (and task/TID/status), proc_pid_status(5).</summary>
internal static class StatusFile
{
    /// <summary>The lines <see cref="Parse"/> reads.</summary>
    public static readonly LineFilter RecordLines = new("Uid:", "TracerPid:", "ctxt_switches:");

    public static StatusRecord Parse(string text)
    {
        int? uid = null;
        long voluntary = 0;
        long involuntary = 0;
        int tracer = 0;
        // Cut in place: status has some 55 lines, and a scan reads it for every process.
        for (ReadOnlySpan<char> rest = text; !rest.IsEmpty;)
        {
            int newline = rest.IndexOf('\n');
            ReadOnlySpan<char> line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? ReadOnlySpan<char>.Empty : rest[(newline + 1)..];
            int colon = line.IndexOf(':');
            if (colon < 0)
            {
                continue;
            }
            ReadOnlySpan<char> key = line[..colon];
            ReadOnlySpan<char> value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "Uid":
                    // Real, effective, saved, filesystem: the real uid says whose process it is.
                    int gap = value.IndexOfAny('\t', ' ');
                    if (int.TryParse(gap < 0 ? value : value[..gap], NumberStyles.None, CultureInfo.InvariantCulture, out int u))
                    {
                        uid = u;
                    }
                    break;
                case "voluntary_ctxt_switches":
                    long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out voluntary);
                    break;
                case "TracerPid":
                    int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out tracer);
                    break;
                case "nonvoluntary_ctxt_switches":
                    long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out involuntary);
                    break;
            }
        }
        return new StatusRecord(uid, voluntary, involuntary, tracer);
    }

    /// <summary>NSpid: the pid in each pid namespace the process is in, outermost (the reader's) first; one entry outside containers, empty when missing.</summary>
    public static ImmutableArray<int> NsPids(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith("NSpid:", StringComparison.Ordinal))
            {
                continue;
            }
            ImmutableArray<int>.Builder ids = ImmutableArray.CreateBuilder<int>();
            foreach (string part in line["NSpid:".Length..].Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                {
                    return ImmutableArray<int>.Empty;
                }
                ids.Add(id);
            }
            return ids.ToImmutable();
        }
        return ImmutableArray<int>.Empty;
    }
}
