namespace ProcAudit.Python;

/// <summary>What the reader takes from one code object: names, file, and what turns an offset into a line.</summary>
internal sealed record CodeInfo(string Name, string? QualifiedName, string File, int FirstLine, byte[] LineTable, int FirstTraceable);
