using System.Buffers.Binary;
using ProcAudit.Go;

namespace ProcAudit.Python.Tests.Infrastructure;

/// <summary>
/// A made-up target memory in 4 KB pages, written field by field through a real layout: structures no live
/// interpreter would hold (a frame chain that loops, a thread list that loops), read exactly as the reader reads.
/// </summary>
internal sealed class SyntheticMemory : ITargetMemory
{
    private const int PageSize = 4096;
    private readonly Dictionary<ulong, byte[]> _pages = new Dictionary<ulong, byte[]>();

    public int Reads { get; private set; }

    public long BytesRead { get; private set; }

    public bool TryRead(ulong address, Span<byte> buffer)
    {
        Reads++;
        for (int done = 0; done < buffer.Length;)
        {
            ulong at = address + (ulong)done;
            if (!_pages.TryGetValue(at / PageSize, out byte[]? page))
            {
                return false;
            }

            int offset = (int)(at % PageSize);
            int length = Math.Min(buffer.Length - done, PageSize - offset);
            page.AsSpan(offset, length).CopyTo(buffer[done..]);
            done += length;
        }

        BytesRead += buffer.Length;
        return true;
    }

    public ulong? Word(ulong address)
    {
        Span<byte> word = stackalloc byte[8];
        return TryRead(address, word) ? BinaryPrimitives.ReadUInt64LittleEndian(word) : null;
    }

    /// <summary>Writes <paramref name="value"/>'s low <paramref name="size"/> bytes at <paramref name="address"/> + <paramref name="offset"/>.</summary>
    public void Write(ulong address, int offset, ulong value, int size = 8)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        WriteBytes(address + (ulong)offset, bytes[..size]);
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="address"/>, mapping the pages it needs.</summary>
    public void WriteBytes(ulong address, ReadOnlySpan<byte> bytes)
    {
        for (int done = 0; done < bytes.Length;)
        {
            ulong at = address + (ulong)done;
            if (!_pages.TryGetValue(at / PageSize, out byte[]? page))
            {
                _pages[at / PageSize] = page = new byte[PageSize];
            }

            int offset = (int)(at % PageSize);
            int length = Math.Min(bytes.Length - done, PageSize - offset);
            bytes.Slice(done, length).CopyTo(page.AsSpan(offset));
            done += length;
        }
    }

    /// <summary>Maps the page of <paramref name="address"/> (zeroed) so that a structure of zeros there can be read.</summary>
    public void Map(ulong address, int length) => WriteBytes(address, new byte[length]);
}
