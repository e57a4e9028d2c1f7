using System.Text;
using System.Text.RegularExpressions;

namespace ProcAudit.Tests.Suite;

/// <summary>
/// Finds test methods ([Fact], [Theory]) that return early when a prerequisite is missing (a `return;` whose
/// innermost enclosing `if` tests `is null`, `OSSupports...`, `Exists`, ...): such a test passes without checking
/// anything. A text scan, not a compiler: comments and literals are blanked first so that their braces and
/// `return;`s do not count.
/// </summary>
internal static partial class EarlyReturnScan
{
    /// <summary>One early return: where, in which test, and the condition that guards it.</summary>
    public sealed record Finding(string File, int Line, string Method, string Guard)
    {
        public override string ToString() => $"{File}:{Line} {Method}: `if ({Guard}) ... return;`";
    }

    /// <summary>Every early return on a prerequisite in the test methods of <paramref name="source"/>.</summary>
    public static IReadOnlyList<Finding> Scan(string file, string source)
    {
        string code = Blank(source);
        List<Finding> findings = new List<Finding>();
        foreach (Match attribute in TestAttribute().Matches(code))
        {
            (int Open, string Name)? body = MethodBody(code, attribute.Index);
            if (body is not (int open, string name))
            {
                continue;
            }

            int close = Matching(code, open);
            foreach (Match statement in ReturnStatement().Matches(code, open))
            {
                if (statement.Index > close)
                {
                    break;
                }

                // Matched on the blanked code (a string saying "is null" is no check), shown as written.
                if (Guard(code, open, statement.Index) is Range guard && Prerequisite().IsMatch(code[guard]))
                {
                    int line = 1 + code.AsSpan(0, statement.Index).Count('\n');
                    findings.Add(new Finding(file, line, name, Regex.Replace(source[guard].Trim(), @"\s+", " ")));
                }
            }
        }

        return findings;
    }

    /// <summary>
    /// The source with the inside of every comment, string and character literal replaced by spaces (newlines kept,
    /// so offsets and line numbers stay those of the source).
    /// </summary>
    public static string Blank(string source)
    {
        StringBuilder code = new StringBuilder(source);
        int i = 0;
        while (i < source.Length)
        {
            i = source[i] switch
            {
                '/' when At(source, i, "//") => BlankUntil(code, source, i, source.IndexOf('\n', i) is int n and >= 0 ? n : source.Length),
                '/' when At(source, i, "/*") => BlankUntil(code, source, i, source.IndexOf("*/", i + 2, StringComparison.Ordinal) is int e and >= 0 ? e + 2 : source.Length),
                '\'' => BlankUntil(code, source, i, CharLiteralEnd(source, i)),
                '"' or '$' or '@' when StringStart(source, i) is int quote => BlankUntil(code, source, i, StringEnd(source, i, quote)),
                _ => i + 1,
            };
        }

        return code.ToString();
    }

    /// <summary>The `{` that opens the body of the method an attribute at <paramref name="at"/> is on, and its name; null for `=>` bodies.</summary>
    private static (int Open, string Name)? MethodBody(string code, int at)
    {
        int i = at;
        while (i < code.Length && (code[i] == '[' || char.IsWhiteSpace(code[i])))
        {
            i = code[i] == '[' ? Matching(code, i) + 1 : i + 1;
        }

        int signature = i;
        int depth = 0;
        for (; i < code.Length; i++)
        {
            switch (code[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '{' when depth == 0:
                    string head = code[signature..i];
                    Match name = MethodName().Match(head);
                    return (i, name.Success ? name.Groups[1].Value : head.Trim());
                case ';' when depth == 0:
                case '=' when depth == 0 && At(code, i, "=>"):
                    return null;
            }
        }

        return null;
    }

    /// <summary>Where the condition of the innermost `if` whose statement contains <paramref name="at"/> is; null when none does.</summary>
    private static Range? Guard(string code, int from, int at)
    {
        List<Match> ifs = IfStatement().Matches(code[..at], from).ToList();
        for (int k = ifs.Count - 1; k >= 0; k--)
        {
            int open = ifs[k].Index + ifs[k].Length - 1;
            int close = Matching(code, open);
            int statement = close + 1;
            while (statement < code.Length && char.IsWhiteSpace(code[statement]))
            {
                statement++;
            }

            int end = code[statement] == '{' ? Matching(code, statement) : code.IndexOf(';', statement);
            if (statement <= at && at <= end)
            {
                return (open + 1)..close;
            }
        }

        return null;
    }

    /// <summary>The index of the bracket that closes the one at <paramref name="open"/> (code already blanked).</summary>
    private static int Matching(string code, int open)
    {
        char opening = code[open];
        char closing = opening switch { '{' => '}', '(' => ')', '[' => ']', _ => throw new ArgumentException($"not a bracket: {opening}") };
        int depth = 0;
        for (int i = open; i < code.Length; i++)
        {
            if (code[i] == opening)
            {
                depth++;
            }
            else if (code[i] == closing && --depth == 0)
            {
                return i;
            }
        }

        return code.Length - 1;
    }

    private static bool At(string text, int i, string token) => string.CompareOrdinal(text, i, token, 0, token.Length) == 0;

    /// <summary>Blanks source[start, end) except newlines; returns end.</summary>
    private static int BlankUntil(StringBuilder code, string source, int start, int end)
    {
        for (int k = start; k < end && k < source.Length; k++)
        {
            if (source[k] != '\n')
            {
                code[k] = ' ';
            }
        }

        return Math.Max(end, start + 1);
    }

    private static int CharLiteralEnd(string source, int i)
    {
        int k = i + 1 < source.Length && source[i + 1] == '\\' ? i + 3 : i + 2;
        while (k < source.Length && source[k] != '\'' && source[k] != '\n')
        {
            k++;
        }

        return k + 1;
    }

    /// <summary>The index of the opening quote when a string literal (with its $ and @ prefixes) starts at <paramref name="i"/>.</summary>
    private static int? StringStart(string source, int i)
    {
        if (i > 0 && (char.IsLetterOrDigit(source[i - 1]) || source[i - 1] == '_') && source[i] != '"')
        {
            return null;
        }

        int k = i;
        while (k < source.Length && source[k] is '$' or '@')
        {
            k++;
        }

        return k < source.Length && source[k] == '"' ? k : null;
    }

    /// <summary>Where the literal whose prefixes start at <paramref name="start"/> and whose first quote is at <paramref name="quote"/> ends (exclusive).</summary>
    private static int StringEnd(string source, int start, int quote)
    {
        string prefix = source[start..quote];
        int quotes = 0;
        while (quote + quotes < source.Length && source[quote + quotes] == '"')
        {
            quotes++;
        }

        if (quotes >= 3)
        {
            // Raw: ends at the first run of as many quotes; holes cannot hold a shorter run of quotes that ends it.
            int end = source.IndexOf(new string('"', quotes), quote + quotes, StringComparison.Ordinal);
            return end < 0 ? source.Length : end + quotes;
        }

        bool verbatim = prefix.Contains('@');
        bool interpolated = prefix.Contains('$');
        int k = quote + 1;
        int holes = 0;
        while (k < source.Length)
        {
            char c = source[k];
            if (holes > 0)
            {
                // Inside {...} of an interpolated string: code, which may hold strings of its own.
                if (c == '"' || (c is '$' or '@' && StringStart(source, k) is not null))
                {
                    k = StringEnd(source, k, StringStart(source, k) ?? k);
                    continue;
                }

                holes += c == '{' ? 1 : c == '}' ? -1 : 0;
                k++;
                continue;
            }

            if (c == '\\' && !verbatim)
            {
                k += 2;
                continue;
            }

            if (c == '"')
            {
                if (verbatim && k + 1 < source.Length && source[k + 1] == '"')
                {
                    k += 2;
                    continue;
                }

                return k + 1;
            }

            if (interpolated && c == '{')
            {
                if (k + 1 < source.Length && source[k + 1] == '{')
                {
                    k += 2;
                    continue;
                }

                holes = 1;
            }

            k++;
        }

        return source.Length;
    }

    [GeneratedRegex(@"\[\s*(?:Xunit\.)?(?:Fact|Theory)\b")]
    private static partial Regex TestAttribute();

    [GeneratedRegex(@"\breturn\s*;")]
    private static partial Regex ReturnStatement();

    [GeneratedRegex(@"\bif\s*\(")]
    private static partial Regex IfStatement();

    [GeneratedRegex(@"(\w+)\s*(?:<[^>]*>)?\s*\([^)]*\)\s*$")]
    private static partial Regex MethodName();

    /// <summary>What a check for something the machine may lack looks like.</summary>
    [GeneratedRegex(@"\bis\s+null\b|==\s*null\b|\bOSSupports\w*|\bExists\b|\bIsSupported\b|\bOperatingSystem\.Is\w+|\bRuntimeInformation\b|\bFindOnPath\b|\bGetEnvironmentVariable\b|\bHasValue\b|\bIsLinux\b")]
    private static partial Regex Prerequisite();
}
