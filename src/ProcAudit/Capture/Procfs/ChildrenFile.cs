using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>
/// Parser for /proc/PID/task/TID/children (proc(5), CONFIG_PROC_CHILDREN): the pids of the
/// children that thread forked, separated by spaces, with a trailing space.
/// </summary>
internal static class ChildrenFile
{
    /// <summary>The pids in the file; a word that is not a positive number is skipped.</summary>
    public static List<int> Parse(string text)
    {
        List<int> pids = new();
        foreach (string word in text.Split(new[] { ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0)
            {
                pids.Add(pid);
            }
        }
        return pids;
    }
}
