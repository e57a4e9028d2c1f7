using System.Collections.Immutable;

namespace ProcAudit.Capture.Procfs;

/// <summary>Parser for /proc/PID/task/TID/stack (proc_pid_stack(5)): "[&lt;0&gt;] pipe_write+0x2d5/0x460" per frame.</summary>
internal static class StackFile
{
    /// <summary>Function names, innermost first, without offsets (the addresses are zeroed for non-root anyway).</summary>
    public static ImmutableArray<string> Parse(string text)
    {
        ImmutableArray<string>.Builder frames = ImmutableArray.CreateBuilder<string>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            int bracket = line.IndexOf("] ", StringComparison.Ordinal);
            string frame = bracket >= 0 ? line.Substring(bracket + 2) : line;
            int plus = frame.IndexOf('+');
            frames.Add(plus > 0 ? frame.Substring(0, plus) : frame);
        }
        return frames.ToImmutable();
    }
}
