using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>One process of the machine as <c>procaudit ps</c> and <c>-n NAME</c> list it.</summary>
public sealed record ProcessEntry
{
    /// <summary>Process id (in ProcAudit's own pid namespace).</summary>
    public required int Pid { get; init; }

    /// <summary>The kernel's name for it (comm).</summary>
    public required string Name { get; init; }

    /// <summary>Real user id, when status was readable.</summary>
    public int? Uid { get; init; }

    /// <summary><c>dotnet</c>, <c>go</c>, <c>python</c>, <c>jvm</c>, <c>node</c> when recognised; null otherwise or when it was not looked for.</summary>
    public string? Runtime { get; init; }

    /// <summary>The runtime's version where its files tell it (the .NET shared framework, CPython's X.Y).</summary>
    public string? RuntimeVersion { get; init; }

    /// <summary>The command line, redacted unless asked otherwise; empty when it could not be read.</summary>
    public ImmutableArray<string> Cmdline { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>True when permission kept its command line or maps from us (another user's process, without root).</summary>
    public bool Unreadable { get; init; }
}
