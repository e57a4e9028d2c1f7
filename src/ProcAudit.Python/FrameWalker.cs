using System.Buffers.Binary;
using System.Collections.Immutable;
using ProcAudit.Go;

namespace ProcAudit.Python;

/// <summary>
/// Walks one thread's frame chain, innermost first. Only a thread that holds the GIL changes its chain, so a blocked
/// thread's stack is exact; a running thread's can be torn, which ends the walk with a note, never an exception.
/// </summary>
internal sealed class FrameWalker
{
    /// <summary>Frames kept of one thread: deeper than any default recursion limit (1,000) allows.</summary>
    public const int MaxFrames = 4096;

    private const int CodeUnit = 2;

    private readonly ITargetMemory _memory;
    private readonly PythonLayout _layout;
    private readonly PythonTypes _types;
    private readonly ObjectReader _objects;

    public FrameWalker(ITargetMemory memory, PythonLayout layout, PythonTypes types, ObjectReader objects)
    {
        _memory = memory;
        _layout = layout;
        _types = types;
        _objects = objects;
    }

    /// <summary>
    /// The frames of the thread whose state was read into <paramref name="tstate"/>, and why they stop early, if they
    /// do; <paramref name="sites"/>, when given, gets where each kept frame is in memory, in the same order.
    /// </summary>
    public ImmutableArray<PythonFrame> Walk(ReadOnlySpan<byte> tstate, List<FrameSite>? sites, out string? note)
    {
        ulong top = BinaryPrimitives.ReadUInt64LittleEndian(tstate[_layout.TstateFrame..]);
        if (_layout.CframeCurrentFrame >= 0 && top != 0)
        {
            // 3.11, 3.12: the thread state points at a _PyCFrame, which points at the current frame.
            ulong? current = _memory.Word(top + (ulong)_layout.CframeCurrentFrame);
            if (current is null)
            {
                note = $"its _PyCFrame at 0x{top:x} could not be read";
                return ImmutableArray<PythonFrame>.Empty;
            }

            top = current.Value;
        }

        return _layout.Frames == FrameModel.FrameObjects ? WalkChain(top, DecodeFrameObject, sites, out note) : WalkChain(top, DecodeInterpreterFrame, sites, out note);
    }

    /// <summary>
    /// Follows the chain from <paramref name="frame"/>, reading each frame once and letting <paramref name="decode"/>
    /// say what it is: a frame to keep, one to skip (null), or where the chain breaks (a note).
    /// </summary>
    private ImmutableArray<PythonFrame> WalkChain(
        ulong frame,
        Func<ulong, byte[], (PythonFrame? Frame, FrameSite Site, ulong Next, string? Stop)> decode,
        List<FrameSite>? sites,
        out string? note)
    {
        note = null;
        ImmutableArray<PythonFrame>.Builder frames = ImmutableArray.CreateBuilder<PythonFrame>();
        HashSet<ulong> seen = new HashSet<ulong>();
        byte[] raw = new byte[_layout.FrameReadSize];
        while (frame != 0)
        {
            note = Visit(frame, seen);
            if (note is not null)
            {
                break;
            }

            if (!_memory.TryRead(frame, raw))
            {
                note = $"frame at 0x{frame:x} is unreadable (the thread may be running): stack cut";
                break;
            }

            (PythonFrame? decoded, FrameSite site, ulong next, note) = decode(frame, raw);
            if (note is not null)
            {
                break;
            }

            if (decoded is not null)
            {
                frames.Add(decoded);
                sites?.Add(site);
            }

            frame = next;
        }

        return frames.ToImmutable();
    }

    /// <summary>3.8 to 3.10: a PyFrameObject.</summary>
    private (PythonFrame?, FrameSite, ulong, string?) DecodeFrameObject(ulong frame, byte[] raw)
    {
        if (U64(raw, _layout.ObjectType) != _types.Frame)
        {
            return (null, default, 0, $"frame at 0x{frame:x} is not a frame object (the thread may be running): stack cut");
        }

        ulong codeAddress = U64(raw, _layout.FrameCode);
        CodeInfo? code = _objects.Code(codeAddress);
        if (code is null)
        {
            return (null, default, 0, NoCode(frame, codeAddress));
        }

        int lasti = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(_layout.FrameLasti));
        int lineno = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(_layout.FrameLineno));
        int? line;
        if (_layout.LineTable == LineTableFormat.Lnotab)
        {
            // PyFrame_GetLineNumber, 3.8 and 3.9: while a trace function is set, f_lineno is kept current.
            line = U64(raw, _layout.FrameTrace) != 0 ? lineno : LineNumbers.Find(LineTableFormat.Lnotab, code.LineTable, code.FirstLine, lasti);
        }
        else
        {
            // 3.10: f_lineno is set only while tracing; f_lasti counts code units.
            line = lineno != 0 ? lineno : LineNumbers.Find(LineTableFormat.Ranges, code.LineTable, code.FirstLine, (long)lasti * CodeUnit);
        }

        return (new PythonFrame(code.Name, code.QualifiedName, code.File, line), new FrameSite(frame, code, lasti), U64(raw, _layout.FrameBack), null);
    }

    /// <summary>3.11 on: a _PyInterpreterFrame.</summary>
    private (PythonFrame?, FrameSite, ulong, string?) DecodeInterpreterFrame(ulong frame, byte[] raw)
    {
        ulong previous = U64(raw, _layout.IframePrevious);
        int owner = raw[_layout.IframeOwner];
        if (owner == _layout.OwnerCStack)
        {
            // 3.12 on: the shim frame at each entry from C into the interpreter; the runtime shows none either.
            return (null, default, previous, null);
        }

        ulong codeAddress = U64(raw, _layout.IframeCode);
        CodeInfo? code = _objects.Code(codeAddress);
        if (code is null)
        {
            return (null, default, 0, NoCode(frame, codeAddress));
        }

        ulong instructions = codeAddress + (ulong)_layout.CodeCodeAdaptive;
        long offset = (long)(U64(raw, _layout.IframeInstr) - instructions);

        // An "incomplete" frame has not yet run its first traceable instruction (it is still being set up):
        // the runtime leaves these out of its own tracebacks, so does the reader.
        if (owner != _layout.OwnerGenerator && offset < (long)code.FirstTraceable * CodeUnit)
        {
            return (null, default, previous, null);
        }

        int? line = LineNumbers.Find(LineTableFormat.Locations, code.LineTable, code.FirstLine, offset);
        return (new PythonFrame(code.Name, code.QualifiedName, code.File, line), new FrameSite(frame, code, offset), previous, null);
    }

    private static string NoCode(ulong frame, ulong code) => $"frame at 0x{frame:x}: its code object at 0x{code:x} is unreadable or not code: stack cut";

    /// <summary>Null when the walk may go on to <paramref name="frame"/>; why not, when the chain loops or is too deep.</summary>
    private static string? Visit(ulong frame, HashSet<ulong> seen)
    {
        // Counted over every frame visited, the skipped ones too, so a chain of garbage cannot run on unbounded.
        if (seen.Count >= MaxFrames)
        {
            return $"more than {MaxFrames} frames: the outermost are not read";
        }

        return seen.Add(frame) ? null : $"the frame chain loops back to 0x{frame:x}: stack cut there";
    }

    private static ulong U64(byte[] data, int at) => BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at));
}
