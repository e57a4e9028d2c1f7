using ProcAudit.Go;

namespace ProcAudit.TestSupport;

/// <summary>A real target's memory with one byte in 64 flipped: torn and corrupted structures mid-walk.</summary>
internal sealed class FlippingMemory(ITargetMemory inner, int seed) : ITargetMemory
{
    private readonly Random _random = new(seed);

    public int Reads => inner.Reads;

    public long BytesRead => inner.BytesRead;

    public bool TryRead(ulong address, Span<byte> buffer)
    {
        if (!inner.TryRead(address, buffer))
        {
            return false;
        }

        for (int i = 0; i < buffer.Length; i++)
        {
            if (_random.Next(64) == 0)
            {
                buffer[i] ^= (byte)(1 << _random.Next(8));
            }
        }

        return true;
    }

    public ulong? Word(ulong address)
    {
        Span<byte> word = stackalloc byte[8];
        return TryRead(address, word) ? BitConverter.ToUInt64(word) : null;
    }
}
