namespace ProcAudit.Go;

/// <summary>One PT_LOAD program header: where file bytes appear in memory.</summary>
internal readonly record struct ElfSegment(ulong Address, ulong FileOffset, ulong FileSize);
