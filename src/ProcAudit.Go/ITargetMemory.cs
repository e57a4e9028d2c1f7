namespace ProcAudit.Go;

/// <summary>The target's memory as the goroutine reader sees it: reads that may fail, never writes.</summary>
internal interface ITargetMemory
{
    /// <summary>Number of reads issued.</summary>
    int Reads { get; }

    /// <summary>Bytes returned by successful reads.</summary>
    long BytesRead { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="address"/>; false unless every byte was read.</summary>
    bool TryRead(ulong address, Span<byte> buffer);

    /// <summary>The 8-byte word at <paramref name="address"/>, or null.</summary>
    ulong? Word(ulong address);
}
