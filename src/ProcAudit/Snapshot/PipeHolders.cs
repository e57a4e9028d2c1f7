using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>Everyone on the machine who holds one pipe.</summary>
/// <param name="PipeId">The pipe, <c>pipe:[N]</c>.</param>
/// <param name="Holders">Each holding descriptor.</param>
public sealed record PipeHolders(string PipeId, ImmutableArray<PipeHolder> Holders)
{
    /// <summary>The holders of the write end.</summary>
    public IEnumerable<PipeHolder> Writers => Holders.Where(h => h.Role == "writer");
}

/// <summary>A process holding one end of a pipe through one descriptor.</summary>
/// <param name="Pid">The process.</param>
/// <param name="Fd">Its descriptor.</param>
/// <param name="Role"><c>reader</c>, <c>writer</c> or <c>unknown</c>.</param>
/// <param name="Name">Its comm.</param>
/// <param name="PPid">Its parent (1, or a subreaper, for an orphan).</param>
/// <param name="Cmdline">Its command line, secrets redacted.</param>
public sealed record PipeHolder(int Pid, int Fd, string Role, string Name, int PPid, ImmutableArray<string> Cmdline);
