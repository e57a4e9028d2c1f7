using System.Buffers.Binary;

namespace ProcAudit.Python;

/// <summary>
/// CPython 3.13's _Py_DebugOffsets: the first bytes of _PyRuntime, written by the interpreter for out-of-process
/// readers (python/cpython gh-106597): cookie "xdebugpy", PY_VERSION_HEX, free_threaded, then the offsets of the
/// fields a stack reader follows. Where each offset sits in it is 3.13's struct (tools/python-layouts/offsets.c
/// prints it too); 3.14 inserted fields, so a later version is refused, not read with these positions.
/// </summary>
internal static class DebugOffsets
{
    /// <summary>sizeof(_Py_DebugOffsets) in 3.13.</summary>
    public const int Size = 584;

    /// <summary>The cookie every _Py_DebugOffsets starts with.</summary>
    public static ReadOnlySpan<byte> Cookie => "xdebugpy"u8;

    // Where each offset the reader uses sits inside 3.13's _Py_DebugOffsets (eight bytes each).
    private static readonly (string Name, int Position)[] s_positions =
    [
        ("version", 8), ("free_threaded", 16),
        ("runtime_state.interpreters_head", 40),
        ("interpreter_state.next", 64), ("interpreter_state.threads_head", 72), ("interpreter_state.ceval_gil", 112),
        ("interpreter_state.gil_runtime_state", 120), ("interpreter_state.gil_runtime_state_locked", 136),
        ("interpreter_state.gil_runtime_state_holder", 144),
        ("thread_state.next", 168), ("thread_state.interp", 176), ("thread_state.current_frame", 184),
        ("thread_state.thread_id", 192), ("thread_state.native_thread_id", 200),
        ("interpreter_frame.previous", 232), ("interpreter_frame.executable", 240), ("interpreter_frame.instr_ptr", 248),
        ("interpreter_frame.owner", 264),
        ("code_object.filename", 280), ("code_object.name", 288), ("code_object.qualname", 296), ("code_object.linetable", 304),
        ("code_object.firstlineno", 312), ("code_object.co_code_adaptive", 344),
        ("pyobject.ob_type", 360),
        ("bytes_object.ob_size", 520), ("bytes_object.ob_sval", 528),
        ("unicode_object.state", 544), ("unicode_object.length", 552), ("unicode_object.asciiobject_size", 560),
    ];

    /// <summary>The positions above under the names offsets.c prints them ("debug." + group.field).</summary>
    public static IEnumerable<(string Name, long Value)> Describe() =>
        s_positions.Select(p => ("debug." + p.Name, (long)p.Position)).Prepend(("debug.size", Size));

    /// <summary>True when <paramref name="bytes"/> (the start of _PyRuntime) begins with the cookie.</summary>
    public static bool HasCookie(ReadOnlySpan<byte> bytes) => bytes.Length >= 8 && bytes[..8].SequenceEqual(Cookie);

    /// <summary>PY_VERSION_HEX from the start of _PyRuntime.</summary>
    public static ulong VersionHex(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);

    /// <summary>
    /// The 3.13 layout with every offset _Py_DebugOffsets carries taken from it, the rest from 3.13's headers;
    /// null with <paramref name="error"/> when the block is not a 3.13 GIL build's or holds implausible offsets.
    /// </summary>
    public static PythonLayout? ToLayout(ReadOnlySpan<byte> bytes, out string? error)
    {
        error = null;
        if (bytes.Length < Size || !HasCookie(bytes))
        {
            error = "_PyRuntime does not start with _Py_DebugOffsets (no \"xdebugpy\" cookie)";
            return null;
        }

        Dictionary<string, ulong> values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach ((string name, int position) in s_positions)
        {
            values[name] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[position..]);
        }

        if (values["free_threaded"] != 0)
        {
            error = "free-threaded build (3.13t): its objects and thread states are laid out differently; not supported";
            return null;
        }

        // Every offset is inside a struct of at most a few pages; anything else is not a real _Py_DebugOffsets.
        string? wild = values.Where(v => v.Key is not ("version" or "free_threaded") && v.Value > 1 << 16).Select(v => v.Key).FirstOrDefault();
        ulong gil = values["interpreter_state.gil_runtime_state"];
        if (wild is not null || values["interpreter_state.gil_runtime_state_locked"] < gil || values["interpreter_state.gil_runtime_state_holder"] < gil)
        {
            error = $"_Py_DebugOffsets holds an implausible offset ({wild ?? "GIL fields"}): not read";
            return null;
        }

        int At(string name) => (int)values[name];
        return PythonLayouts.Python313Headers with
        {
            RuntimeInterpretersHead = At("runtime_state.interpreters_head"),
            InterpNext = At("interpreter_state.next"),
            InterpThreadsHead = At("interpreter_state.threads_head"),
            InterpCevalGil = At("interpreter_state.ceval_gil"),
            GilLocked = At("interpreter_state.gil_runtime_state_locked") - (int)gil,
            GilLastHolder = At("interpreter_state.gil_runtime_state_holder") - (int)gil,
            TstateNext = At("thread_state.next"),
            TstateInterp = At("thread_state.interp"),
            TstateFrame = At("thread_state.current_frame"),
            TstateThreadId = At("thread_state.thread_id"),
            TstateNativeThreadId = At("thread_state.native_thread_id"),
            IframePrevious = At("interpreter_frame.previous"),
            IframeCode = At("interpreter_frame.executable"),
            IframeInstr = At("interpreter_frame.instr_ptr"),
            IframeOwner = At("interpreter_frame.owner"),
            CodeFilename = At("code_object.filename"),
            CodeName = At("code_object.name"),
            CodeQualname = At("code_object.qualname"),
            CodeLinetable = At("code_object.linetable"),
            CodeFirstLineno = At("code_object.firstlineno"),
            CodeCodeAdaptive = At("code_object.co_code_adaptive"),
            ObjectType = At("pyobject.ob_type"),
            BytesSize = At("bytes_object.ob_size"),
            BytesData = At("bytes_object.ob_sval"),
            UnicodeState = At("unicode_object.state"),
            UnicodeLength = At("unicode_object.length"),
            UnicodeAsciiData = At("unicode_object.asciiobject_size"),
        };
    }
}
