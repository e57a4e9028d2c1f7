using ProcAudit.Go;

namespace ProcAudit.TestSupport;

/// <summary>
/// A target whose every read succeeds with random bytes, one in sixteen fails: structures of garbage for the
/// memory readers (the Go and Python views). Linked only into the test projects that see ITargetMemory.
/// </summary>
internal sealed class GarbageMemory(int seed) : ITargetMemory
{
    private readonly Random _random = new(seed);

    public int Reads { get; private set; }

    public long BytesRead { get; private set; }

    public bool TryRead(ulong address, Span<byte> buffer)
    {
        Reads++;
        BytesRead += buffer.Length;
        _random.NextBytes(buffer);
        return _random.Next(16) != 0;
    }

    public ulong? Word(ulong address)
    {
        Span<byte> word = stackalloc byte[8];
        return TryRead(address, word) ? BitConverter.ToUInt64(word) : null;
    }
}
