namespace ProcAudit.Go;

/// <summary>One ELF section header.</summary>
internal sealed record ElfSection(string Name, int Index, uint Type, ulong Address, ulong FileOffset, ulong Size, uint Link);
