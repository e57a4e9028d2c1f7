using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace ProcAudit.Capture;

/// <summary>
/// Removes secrets from command lines before they enter a snapshot: reports end up as CI artefacts
/// that many people can read.
/// </summary>
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
        foreach (string arg in args)
        {
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
            result.Add(RedactText(arg));
        }
        return result.MoveToImmutable();
    }

    public static string RedactText(string text)
    {
        string s = SecretFlagWithValue().Replace(text, m => m.Groups[1].Value + Mask);
        s = SecretAssignment().Replace(s, m => m.Groups[1].Value + Mask);
        s = AuthorizationHeader().Replace(s, m => m.Groups[1].Value + Mask);
        return UrlCredentials().Replace(s, m => m.Groups[1].Value + Mask + m.Groups[3].Value);
    }
}
