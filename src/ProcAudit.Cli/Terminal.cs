using System.Collections.Immutable;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

/// <summary>Text from the user or from the machine, made safe and short enough to print in one line.</summary>
internal static class Terminal
{
    /// <summary>What the user typed, echoed back in an error: at most 40 characters, no control characters.</summary>
    public static string Safe(string text) => TerminalText.Safe(text.Length > 40 ? text[..40] + "..." : text);

    /// <summary>A name from /proc, with no escape sequence left to drive the terminal.</summary>
    public static string Line(string text) => TerminalText.Safe(text);

    /// <summary>A command line as the report shows it (already redacted by the library unless --no-redact).</summary>
    public static string Command(ImmutableArray<string> cmdline, bool unreadable) =>
        cmdline.IsDefaultOrEmpty ? (unreadable ? "(command line unreadable: another user's process; run as root)" : "") : TerminalText.Safe(string.Join(' ', cmdline));
}
