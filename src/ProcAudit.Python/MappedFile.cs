namespace ProcAudit.Python;

/// <summary>
/// One file as /proc/PID/maps shows it mapped: its lowest-offset mapping (where the load bias is measured from)
/// and the identity of the file (device and inode), which a path alone does not give once the file is replaced.
/// </summary>
/// <param name="Path">The path the kernel prints, without the " (deleted)" suffix.</param>
/// <param name="Start">Start address of the mapping with the lowest file offset.</param>
/// <param name="End">End address of that mapping.</param>
/// <param name="Offset">Its file offset.</param>
/// <param name="Device">The major:minor device text.</param>
/// <param name="Inode">The inode.</param>
/// <param name="Deleted">The file was unlinked (or replaced) after it was mapped.</param>
internal sealed record MappedFile(string Path, ulong Start, ulong End, ulong Offset, string Device, ulong Inode, bool Deleted);
