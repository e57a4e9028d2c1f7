using ProcAudit.Watching;

namespace ProcAudit.Cli;

/// <summary>The timing options `run` and `watch` share, parsed and checked together.</summary>
internal sealed record WatchSettings(TimeSpan? Timeout, TimeSpan DeadlockAfter, TimeSpan Interval)
{
    public static WatchSettings Parse(string? timeout, string? deadlockAfter, string? interval)
    {
        WatchOptions defaults = new();
        TimeSpan? t = timeout is null ? null : Positive("--timeout", timeout);
        TimeSpan d = deadlockAfter is null ? defaults.DeadlockAfter : NonNegative("--deadlock-after", deadlockAfter);
        TimeSpan i = interval is null ? defaults.Interval : Positive("--interval", interval);
        if (t is TimeSpan limit && d > limit)
        {
            throw new CliException(ExitCodes.Usage,
                $"--deadlock-after {deadlockAfter ?? Show(d)} is longer than --timeout {timeout}: it could never fire (make it shorter, or 0 to stop only at the timeout)");
        }
        return new WatchSettings(t, d, i);
    }

    public WatchOptions ToOptions(int? adopter) => new() { Interval = Interval, DeadlockAfter = DeadlockAfter, Adopter = adopter };

    private static TimeSpan Positive(string flag, string text)
    {
        TimeSpan value = NonNegative(flag, text);
        if (value <= TimeSpan.Zero)
        {
            throw new CliException(ExitCodes.Usage, $"{flag} must be longer than 0");
        }
        return value;
    }

    private static TimeSpan NonNegative(string flag, string text)
    {
        if (!Duration.TryParse(text, out TimeSpan value))
        {
            throw new CliException(ExitCodes.Usage, $"{flag} '{(text.Length > 40 ? text[..40] + "..." : text)}' is not a duration: use e.g. 500ms, 10s, 5m or 1h");
        }
        return value;
    }

    private static string Show(TimeSpan t) => $"{t.TotalSeconds:0.###}s";
}
