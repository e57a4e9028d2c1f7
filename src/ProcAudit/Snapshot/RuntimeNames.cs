namespace ProcAudit;

/// <summary>The names <see cref="ProcessInfo.Runtime"/> can take: the report's <c>runtime</c> values.</summary>
public static class RuntimeNames
{
    /// <summary>CoreCLR (.NET).</summary>
    public const string DotNet = "dotnet";

    /// <summary>A Go program.</summary>
    public const string Go = "go";

    /// <summary>CPython.</summary>
    public const string Python = "python";

    /// <summary>A Java virtual machine.</summary>
    public const string Jvm = "jvm";

    /// <summary>Node.js.</summary>
    public const string Node = "node";

    /// <summary>Every name, in no particular order.</summary>
    public static IReadOnlyList<string> All { get; } = [DotNet, Go, Python, Jvm, Node];
}
