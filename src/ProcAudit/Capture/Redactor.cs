using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;

namespace ProcAudit.Capture;

/// <summary>
/// Removes secrets from command lines before they enter a snapshot: reports end up as CI artefacts
/// that many people can read.
/// </summary>
/// <remarks>
/// Environment-style assignments (<c>env GITHUB_TOKEN=x make</c>, <c>docker run -e AWS_SECRET_ACCESS_KEY=x</c>,
/// <c>sh -c 'API_KEY=x ./deploy'</c>) are masked when a part of the name between underscores ends in
/// TOKEN, SECRET, PASSWORD, PASSWD, PASSPHRASE or KEY (plural too): GITHUB_TOKEN, APIKEY, AWS_ACCESS_KEY_ID
/// and PGPASSWORD are masked; KEYBOARD, KEYRING, KEYMAP and TOKENIZERS_PARALLELISM, where the word only
/// begins a part, are not. The few names that end in KEY without being secrets (SORT_KEY, MONKEY) lose
/// their value too: masking a harmless value costs less than leaking a key. The process environment
/// itself (/proc/PID/environ) is never read.
/// </remarks>
internal static partial class Redactor
{
    public const string Mask = "***";

    [GeneratedRegex(@"^--?(password|passwd|pwd|token|secret|api[-_]?key|access[-_]?key|client[-_]?secret|auth|authorization)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretFlag();

    [GeneratedRegex(@"^(--?(?:password|passwd|pwd|token|secret|api[-_]?key|access[-_]?key|client[-_]?secret|auth|authorization)[=:])(.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretFlagWithValue();

    [GeneratedRegex(@"((?:password|pwd|secret|token|apikey|api_key|accountkey|sharedaccesskey)\s*=\s*)([^;&\s]+)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"((?:authorization|proxy-authorization)\s*:\s*)(.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"(://[^/:@\s]+:)([^@/\s]+)(@)")]
    private static partial Regex UrlCredentials();

    /// <summary>NAME= where a shell word, a quoted string or an option's value (<c>--env=NAME=</c>) begins.</summary>
    [GeneratedRegex(@"(^|[\s;&|(`'""{=])([A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex EnvironmentAssignment();

    [GeneratedRegex(@"^[A-Za-z0-9]*(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|KEY)S?$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretNamePart();

    /// <summary>The script flag of a shell: -c, or -c among other single-letter flags (-ec, -lc).</summary>
    [GeneratedRegex(@"^-[a-z]*c[a-z]*$")]
    private static partial Regex ShellScriptFlag();

    /// <summary>Programs whose <c>-p</c> is a password (<c>-pSECRET</c> or <c>-p SECRET</c>); elsewhere -p is often a port or a path.</summary>
    private static readonly HashSet<string> s_passwordDashP = new(StringComparer.Ordinal)
    {
        "mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlshow", "mysqlcheck", "mariadb", "mariadb-dump", "mariadb-admin", "sshpass",
    };

    public static ImmutableArray<string> RedactCmdline(ImmutableArray<string> args)
    {
        ImmutableArray<string>.Builder result = ImmutableArray.CreateBuilder<string>(args.Length);
        bool maskNext = false;
        bool dashPIsPassword = args.Length > 0 && s_passwordDashP.Contains(Path.GetFileName(args[0]));
        bool script = false;
        foreach (string arg in args)
        {
            bool isScript = script;
            script = ShellScriptFlag().IsMatch(arg);
            if (maskNext)
            {
                result.Add(Mask);
                maskNext = false;
                continue;
            }
            if (dashPIsPassword && arg.StartsWith("-p", StringComparison.Ordinal) && !arg.StartsWith("--", StringComparison.Ordinal))
            {
                result.Add(arg.Length > 2 ? "-p" + Mask : arg);
                maskNext = arg.Length == 2;
                continue;
            }
            if (SecretFlag().IsMatch(arg))
            {
                result.Add(arg);
                maskNext = true;
                continue;
            }
            result.Add(RedactText(arg, isScript));
        }
        return result.MoveToImmutable();
    }

    /// <summary>Masks the secrets in one argument.</summary>
    /// <param name="text">The argument.</param>
    /// <param name="script">
    /// The argument is a shell script (it follows <c>sh -c</c>): an assignment's value ends where the
    /// shell would end it. Elsewhere an argument that begins with NAME= (or --option=NAME=) is one
    /// assignment whose value is the rest of the argument, spaces included (<c>env 'API_KEY=a b' cmd</c>);
    /// one further inside (a connection string's <c>;Password=</c>) ends like a shell word.
    /// </param>
    public static string RedactText(string text, bool script = false)
    {
        string s = SecretFlagWithValue().Replace(RedactAssignments(text, script), m => m.Groups[1].Value + Mask);
        s = SecretAssignment().Replace(s, m => m.Groups[1].Value + Mask);
        s = AuthorizationHeader().Replace(s, m => m.Groups[1].Value + Mask);
        return UrlCredentials().Replace(s, m => m.Groups[1].Value + Mask + m.Groups[3].Value);
    }

    /// <summary>True when a part of the name between underscores ends in a secret word (see the remarks).</summary>
    public static bool IsSecretName(string name) => name.Split('_').Any(part => SecretNamePart().IsMatch(part));

    private static string RedactAssignments(string text, bool script)
    {
        StringBuilder? result = null;
        int copied = 0;
        int at = 0;
        while (at < text.Length && EnvironmentAssignment().Match(text, at) is { Success: true } m)
        {
            int value = m.Index + m.Length;
            if (!IsSecretName(m.Groups[2].Value))
            {
                // The '=' may itself begin the next assignment (FOO=API_KEY=x).
                at = value - 1;
                continue;
            }
            bool wholeWord = !script && m.Groups[1].Value is "" or "=";
            int end = wholeWord ? text.Length : ShellWordEnd(text, value);
            if (end > value)
            {
                result ??= new StringBuilder(text.Length);
                result.Append(text, copied, value - copied).Append(Mask);
                copied = end;
            }
            at = Math.Max(end, value);
        }
        return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Where a shell word ends: quotes and backslashes keep spaces and separators inside it.</summary>
    private static int ShellWordEnd(string text, int i)
    {
        while (i < text.Length)
        {
            char c = text[i];
            if (c is '\\')
            {
                i = Math.Min(i + 2, text.Length);
            }
            else if (c is '\'' or '"')
            {
                int close = text.IndexOf(c, i + 1);
                while (c == '"' && close > 0 && text[close - 1] == '\\')
                {
                    close = text.IndexOf(c, close + 1);
                }
                i = close < 0 ? text.Length : close + 1;
            }
            else if (char.IsWhiteSpace(c) || c is ';' or '&' or '|' or '(' or ')' or '<' or '>' or '`')
            {
                return i;
            }
            else
            {
                i++;
            }
        }
        return i;
    }
}
