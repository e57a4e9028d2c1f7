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

    public static ImmutableArray<string> RedactCmdline(ImmutableArray<string> args)
    {
        ImmutableArray<string>.Builder result = ImmutableArray.CreateBuilder<string>(args.Length);
        bool maskNext = false;
        foreach (string arg in args)
        {
            if (maskNext)
            {
                result.Add(Mask);
                maskNext = false;
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
