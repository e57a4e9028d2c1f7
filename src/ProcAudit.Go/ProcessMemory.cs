using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace ProcAudit.Go;

/// <summary>
/// Reads another process's memory through /proc/PID/mem with pread: no ptrace attach, no signal, nothing written.
/// Opening needs ptrace access rights; an unmapped address fails with EIO and is reported as a failed read.
/// </summary>
internal sealed class ProcessMemory : ITargetMemory, IDisposable
{
    private readonly SafeFileHandle _handle;

    private ProcessMemory(SafeFileHandle handle)
    {
        _handle = handle;
    }

    /// <summary>Number of reads issued.</summary>
    public int Reads { get; private set; }

    /// <summary>Bytes returned by successful reads.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Opens the memory of <paramref name="pid"/>; null with <paramref name="error"/> when it cannot.</summary>
    public static ProcessMemory? TryOpen(int pid, out string? error)
    {
        error = null;
        try
        {
            return new ProcessMemory(File.OpenHandle($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        }
        catch (UnauthorizedAccessException)
        {
            error = $"/proc/{pid}/mem: permission denied (ptrace access to the process is needed)";
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"process {pid} is gone";
        }
        catch (IOException ex)
        {
            error = $"/proc/{pid}/mem: {ex.Message}";
        }

        return null;
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="address"/>; false unless every byte was read.</summary>
    public bool TryRead(ulong address, Span<byte> buffer)
    {
        if (address == 0 || address > long.MaxValue)
        {
            return false;
        }

        Reads++;
        try
        {
            int read = RandomAccess.Read(_handle, buffer, (long)address);
            if (read != buffer.Length)
            {
                return false;
            }

            BytesRead += read;
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The 8-byte word at <paramref name="address"/>, or null.</summary>
    public ulong? Word(ulong address)
    {
        Span<byte> word = stackalloc byte[8];
        return TryRead(address, word) ? BinaryPrimitives.ReadUInt64LittleEndian(word) : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _handle.Dispose();
    }
}
