using System.Globalization;
using System.Text.RegularExpressions;

namespace ProcAudit.Go.Tests.Infrastructure;

/// <summary>The Go runtime's own SIGQUIT traceback, parsed into goroutines and frames: the ground truth of the tests.</summary>
internal static partial class RuntimeTraceback
{
    /// <summary>Goroutines by id: the bracketed state text and the frames (function, file, line).</summary>
    public static Dictionary<long, (string State, List<(string Function, string File, int Line)> Frames)> Parse(string text)
    {
        Dictionary<long, (string, List<(string, string, int)>)> goroutines = new Dictionary<long, (string, List<(string, string, int)>)>();
        List<(string, string, int)>? current = null;
        string? pendingFunction = null;
        foreach (string line in text.Split('\n'))
        {
            Match header = HeaderPattern().Match(line);
            if (header.Success)
            {
                current = new List<(string, string, int)>();
                string state = header.Groups[2].Value.Split(',')[0];
                goroutines[long.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture)] = (state, current);
                pendingFunction = null;
                continue;
            }

            if (current is null)
            {
                continue;
            }

            if (line.StartsWith('\t'))
            {
                Match position = PositionPattern().Match(line);
                if (pendingFunction is not null && position.Success)
                {
                    current.Add((pendingFunction, position.Groups[1].Value, int.Parse(position.Groups[2].Value, CultureInfo.InvariantCulture)));
                }

                pendingFunction = null;
            }
            else if (line.Length == 0)
            {
                current = null;
            }
            else if (line.StartsWith("created by ", StringComparison.Ordinal))
            {
                pendingFunction = null;
            }
            else
            {
                int paren = line.LastIndexOf('(');
                pendingFunction = paren > 0 ? line[..paren] : null;
            }
        }

        return goroutines;
    }

    // Go 1.22 added "gp=0x... m=N mp=0x..." between the id and the state; with GOTRACEBACK=system.
    [GeneratedRegex(@"^goroutine (\d+)(?: gp=\S+)?(?: m=\S+)?(?: mp=\S+)? \[([^\]]*)\]:")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^\t(.+):(\d+)( |$)")]
    private static partial Regex PositionPattern();
}
