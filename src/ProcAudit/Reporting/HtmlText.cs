using System.Text;

namespace ProcAudit.Reporting;

/// <summary>
/// Text from the audited tree made safe inside HTML and SVG, as element text or a quoted attribute:
/// control characters written as escapes (<see cref="TerminalText.Safe"/>), then every character
/// that markup gives a meaning to as an entity, so a process name can never open a tag, close an
/// attribute or start an entity of its own.
/// </summary>
internal static class HtmlText
{
    /// <summary>The text, escaped for element content and double- or single-quoted attribute values alike.</summary>
    public static string Escape(string text)
    {
        string safe = TerminalText.Safe(text);
        StringBuilder sb = new(safe.Length + 16);
        foreach (char c in safe)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
