using System.Buffers.Binary;
using System.Text;
using ProcAudit.Go;

namespace ProcAudit.Python;

/// <summary>
/// Finds the threading locks a thread's frames refer to. The objects are laid out by Modules/_threadmodule.c, the
/// same in 3.8 to 3.13 (checked against each interpreter's own id() in the tests): after the object header a Lock
/// has lock_lock, in_weakreflist and a <c>locked</c> byte; an RLock has rlock_lock, rlock_owner and rlock_count.
/// A lock is known by its type's name, so no symbol of the _thread module is needed.
/// </summary>
internal sealed class LockReader
{
    private const int LockSemaphore = 16;
    private const int LockLocked = 32;
    private const int RLockOwner = 24;
    private const int RLockCount = 32;
    private const int ObjectBytes = 40;

    // A frame with more slots than this is garbage or a torn read (the compiler's own limits are far lower in practice).
    private const int MaxSlots = 4096;
    private const int MaxName = 48;
    private const ulong MaxUserAddress = 0x7fff_ffff_ffff;
    private const int MaxCached = 100_000;

    private readonly ITargetMemory _memory;
    private readonly PythonLayout _layout;
    private readonly ObjectReader _objects;
    private readonly Dictionary<ulong, string?> _names = new Dictionary<ulong, string?>();

    // Object headers already read in this walk, by address: threads share most objects their frames refer to.
    private readonly Dictionary<ulong, byte[]?> _headers = new Dictionary<ulong, byte[]?>();

    public LockReader(ITargetMemory memory, PythonLayout layout, ObjectReader objects)
    {
        _memory = memory;
        _layout = layout;
        _objects = objects;
    }

    /// <summary>
    /// The lock whose semaphore is <paramref name="futex"/> (the address a thread sleeps on in futex), looked for in
    /// the slots (locals and value stack) of the innermost two frames: the call that blocks is made from there, and
    /// holds the lock or its bound method. Null when no lock there has that semaphore.
    /// </summary>
    public PythonLock? Awaited(IReadOnlyList<FrameSite> sites, ulong futex)
    {
        foreach (FrameSite site in sites.Take(2))
        {
            foreach (ulong word in AllSlots(site))
            {
                PythonLock? found = LockAt(word) ?? (BoundBuiltin(word) is (ulong self, _) ? LockAt(self) : null);
                if (found is not null && found.Semaphore == futex)
                {
                    return found;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The locks among <paramref name="wanted"/> whose <c>with</c> block a frame of the thread is inside: its
    /// <c>__exit__</c>, bound to the lock, sits on a live slot of the frame's value stack (below a block's level
    /// before 3.11, below the exception handler's depth from 3.11). Only a finished <c>__enter__</c> puts it there.
    /// </summary>
    public IEnumerable<PythonLockHold> Held(IReadOnlyList<FrameSite> sites, IReadOnlySet<ulong> wanted)
    {
        for (int i = 0; i < sites.Count; i++)
        {
            foreach (ulong word in LiveWithSlots(sites[i]))
            {
                if (BoundBuiltin(word) is (ulong self, "__exit__") && wanted.Contains(self) && LockAt(self) is PythonLock held)
                {
                    yield return new PythonLockHold(held, i);
                }
            }
        }
    }

    /// <summary>The lock object at <paramref name="address"/>; null when it is not one.</summary>
    public PythonLock? LockAt(ulong address)
    {
        if (Header(address) is not byte[] bytes)
        {
            return null;
        }

        ReadOnlySpan<byte> raw = bytes;
        string? type = TypeName(BinaryPrimitives.ReadUInt64LittleEndian(raw[_layout.ObjectType..]));
        ulong semaphore = BinaryPrimitives.ReadUInt64LittleEndian(raw[LockSemaphore..]);
        return type switch
        {
            "_thread.lock" => new PythonLock(address, PythonLockKind.Lock, semaphore, raw[LockLocked] != 0, null, null, null),
            "_thread.RLock" => new PythonLock(
                address,
                PythonLockKind.RLock,
                semaphore,
                null,
                BinaryPrimitives.ReadUInt64LittleEndian(raw[RLockOwner..]) is ulong owner and not 0 ? owner : null,
                null,
                (long)BinaryPrimitives.ReadUInt64LittleEndian(raw[RLockCount..])),
            _ => null,
        };
    }

    /// <summary>A bound built-in method (builtin_function_or_method): the object it is bound to and its name.</summary>
    private (ulong Self, string Name)? BoundBuiltin(ulong address)
    {
        if (Header(address) is not byte[] bytes
            || TypeName(BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(_layout.ObjectType))) != "builtin_function_or_method")
        {
            return null;
        }

        ReadOnlySpan<byte> raw = bytes;

        // PyMethodDef starts with ml_name.
        ulong? name = _memory.Word(BinaryPrimitives.ReadUInt64LittleEndian(raw[_layout.CFunctionMl..]));
        string? text = name is ulong at ? CString(at) : null;
        return text is null ? null : (BinaryPrimitives.ReadUInt64LittleEndian(raw[_layout.CFunctionSelf..]), text);
    }

    /// <summary>The first bytes of the object at <paramref name="address"/> (enough for a lock or a bound method), read once.</summary>
    private byte[]? Header(ulong address)
    {
        if (!Plausible(address))
        {
            return null;
        }

        if (!_headers.TryGetValue(address, out byte[]? bytes))
        {
            bytes = new byte[Math.Max(ObjectBytes, Math.Max(_layout.CFunctionMl, _layout.CFunctionSelf) + 8)];
            bytes = _memory.TryRead(address, bytes) ? bytes : null;
            if (_headers.Count < MaxCached)
            {
                _headers[address] = bytes;
            }
        }

        return bytes;
    }

    /// <summary>Every slot of the frame: its locals, cells and free variables, then its whole value stack.</summary>
    private IEnumerable<ulong> AllSlots(FrameSite site)
    {
        if (_layout.Frames == FrameModel.FrameObjects)
        {
            ulong start = site.Frame + (ulong)_layout.FrameLocalsplus;
            ulong? stack = _memory.Word(site.Frame + (ulong)_layout.FrameValuestack);
            return stack is ulong s && s >= start ? Words(start, ((s - start) / 8) + (ulong)Math.Max(site.Code.StackSize, 0)) : [];
        }

        return Words(site.Frame + (ulong)_layout.IframeLocalsplus, (ulong)Math.Max(site.Code.LocalsPlus, 0) + (ulong)Math.Max(site.Code.StackSize, 0));
    }

    /// <summary>The value-stack slots that hold a <c>with</c> block's <c>__exit__</c> (3.8 to 3.10), or every live slot (3.11 on).</summary>
    private IEnumerable<ulong> LiveWithSlots(FrameSite site)
    {
        if (_layout.Frames == FrameModel.FrameObjects)
        {
            return BlockExits(site);
        }

        byte[]? table = site.Code.ExceptionTable == 0 ? null : _objects.Bytes(site.Code.ExceptionTable);
        int depth = table is null ? 0 : Math.Min(ExceptionTable.Depth(table, site.Offset) ?? 0, site.Code.StackSize);
        return depth <= 0 ? [] : Words(site.Frame + (ulong)_layout.IframeLocalsplus + ((ulong)Math.Max(site.Code.LocalsPlus, 0) * 8), (ulong)depth);
    }

    /// <summary>
    /// 3.8 to 3.10: SETUP_WITH puts __exit__ on the stack and then sets up a block whose level counts it, so each
    /// block in use has, at level - 1, the __exit__ of its with statement (or, for other blocks, something else).
    /// </summary>
    private IEnumerable<ulong> BlockExits(FrameSite site)
    {
        byte[] header = new byte[_layout.FrameLocalsplus];
        if (!_memory.TryRead(site.Frame, header))
        {
            yield break;
        }

        ulong stack = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(_layout.FrameValuestack));
        int maxBlocks = (_layout.FrameLocalsplus - _layout.FrameBlockstack) / _layout.BlockSize;
        int blocks = Math.Clamp(BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(_layout.FrameIblock)), 0, maxBlocks);
        for (int b = 0; b < blocks; b++)
        {
            int level = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(_layout.FrameBlockstack + (b * _layout.BlockSize) + _layout.BlockLevel));
            if (level >= 1 && level <= site.Code.StackSize && _memory.Word(stack + ((ulong)(level - 1) * 8)) is ulong slot)
            {
                yield return slot;
            }
        }
    }

    private ulong[] Words(ulong start, ulong count)
    {
        if (count == 0 || count > MaxSlots)
        {
            return [];
        }

        byte[] raw = new byte[count * 8];
        if (!_memory.TryRead(start, raw))
        {
            return [];
        }

        ulong[] words = new ulong[count];
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(i * 8));
        }

        return words;
    }

    private string? TypeName(ulong type)
    {
        if (_names.TryGetValue(type, out string? known))
        {
            return known;
        }

        string? name = Plausible(type) && _memory.Word(type + (ulong)_layout.TypeName) is ulong text ? CString(text) : null;
        _names[type] = name;
        return name;
    }

    private string? CString(ulong address)
    {
        Span<byte> bytes = stackalloc byte[MaxName];

        // A name near the end of its mapping: read less.
        int length = MaxName;
        while (length >= 8 && !_memory.TryRead(address, bytes[..length]))
        {
            length /= 2;
        }

        int end = length >= 8 ? bytes[..length].IndexOf((byte)0) : -1;
        return end > 0 ? Encoding.ASCII.GetString(bytes[..end]) : null;
    }

    private static bool Plausible(ulong address) => address >= 0x1000 && address <= MaxUserAddress && address % 8 == 0;
}
