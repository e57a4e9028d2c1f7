namespace ProcAudit.Python;

/// <summary>A defined ELF symbol: its link-time address and the size of the object.</summary>
internal readonly record struct ElfSymbol(ulong Value, ulong Size);
