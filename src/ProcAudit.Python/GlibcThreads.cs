using System.Buffers.Binary;

namespace ProcAudit.Python;

/// <summary>
/// Where glibc keeps a thread's kernel TID inside its struct pthread, from the descriptor it exports for debuggers
/// (libthread_db): before 3.11 CPython records only pthread_t, the address of that struct. glibc 2.34 on export
/// <c>_thread_db_pthread_tid</c> = { size in bits (32), count (1), offset } in libc.so.6's .dynsym.
/// </summary>
internal sealed record GlibcThreads(int? TidOffset, string? Note)
{
    /// <summary>Reads the descriptor from <paramref name="elf"/>, libc as mapped from <paramref name="path"/>.</summary>
    public static GlibcThreads Load(string path, ElfFile elf)
    {
        ElfSymbol? descriptor = elf.Symbol("_thread_db_pthread_tid");
        byte[]? bytes = descriptor is null ? null : elf.ReadAt(descriptor.Value.Value, 12);
        if (bytes is null)
        {
            return new GlibcThreads(null, $"{path} has no _thread_db_pthread_tid (glibc before 2.34?): kernel thread ids not read");
        }

        uint bits = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        return bits == 32 && offset < 4096
            ? new GlibcThreads((int)offset, null)
            : new GlibcThreads(null, $"{path}: _thread_db_pthread_tid says {bits} bits at {offset}: kernel thread ids not read");
    }
}
