using System.Globalization;

namespace ProcAudit.Cli;

/// <summary>Parses durations as people type them: "500ms", "2s", "1.5s", "1m", "1h", or a bare number of milliseconds.</summary>
internal static class Duration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        string t = text.Trim().ToLowerInvariant();
        (string number, double scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 1.0)
            : t.EndsWith('s') ? (t[..^1], 1000.0)
            : t.EndsWith('m') ? (t[..^1], 60_000.0)
            : t.EndsWith('h') ? (t[..^1], 3_600_000.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) || n < 0 || n * scale > int.MaxValue)
        {
            return false;
        }
        value = TimeSpan.FromMilliseconds(n * scale);
        return true;
    }
}
