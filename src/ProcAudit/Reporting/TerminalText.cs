using System.Globalization;
using System.Text;

namespace ProcAudit.Reporting;

/// <summary>Makes text from the audited tree (names, command lines, paths) safe to print: no escape sequence in a name may drive the terminal.</summary>
public static class TerminalText
{
    /// <summary>The text with control characters written as escapes (<c>\t</c>, <c>\x1b</c>), so it prints on one line as itself.</summary>
    public static string Safe(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' || char.GetUnicodeCategory(c) == UnicodeCategory.Format;
            if (control)
            {
                sb ??= new StringBuilder(text, 0, i, text.Length + 16);
                sb.Append(c switch
                {
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\r' => "\\r",
                    _ => "\\x" + ((int)c).ToString(c > 0xff ? "x4" : "x2", CultureInfo.InvariantCulture),
                });
            }
            else
            {
                sb?.Append(c);
            }
        }
        return sb?.ToString() ?? text;
    }
}
