namespace ProcAudit.Python;

/// <summary>
/// Where one CPython minor release keeps what the reader follows: x86-64 offsets in bytes from the start of each
/// struct, -1 for a field the release does not have. The names in <see cref="Describe"/> are those printed by
/// tools/python-layouts/offsets.c, which the tests compile against each release's headers and compare.
/// </summary>
internal sealed record PythonLayout
{
    /// <summary>The minor release the layout is for.</summary>
    public required PythonVersion Version { get; init; }

    /// <summary>How frames are chained.</summary>
    public required FrameModel Frames { get; init; }

    /// <summary>How lines are found.</summary>
    public required LineTableFormat LineTable { get; init; }

    /// <summary>_PyRuntime.interpreters.head.</summary>
    public required int RuntimeInterpretersHead { get; init; }

    /// <summary>_PyRuntime.ceval.gil (the struct itself, shared by all interpreters), 3.8 to 3.11.</summary>
    public int RuntimeGil { get; init; } = -1;

    /// <summary>PyInterpreterState.ceval.gil (a pointer to the GIL this interpreter uses), 3.12 on.</summary>
    public int InterpCevalGil { get; init; } = -1;

    /// <summary>struct _gil_runtime_state.last_holder (a PyThreadState*).</summary>
    public required int GilLastHolder { get; init; }

    /// <summary>struct _gil_runtime_state.locked (an int: 1 while a thread holds the GIL).</summary>
    public required int GilLocked { get; init; }

    /// <summary>struct _gil_runtime_state.cond: the condition variable threads waiting for the GIL sleep on.</summary>
    public required int GilCond { get; init; }

    /// <summary>sizeof(PyCOND_T): a futex address inside [cond, cond + this) is a GIL waiter's.</summary>
    public required int GilCondSize { get; init; }

    /// <summary>PyInterpreterState.next.</summary>
    public required int InterpNext { get; init; }

    /// <summary>PyInterpreterState.tstate_head (3.8 to 3.10) or threads.head.</summary>
    public required int InterpThreadsHead { get; init; }

    /// <summary>PyThreadState.next.</summary>
    public required int TstateNext { get; init; }

    /// <summary>PyThreadState.interp: points back to the interpreter, the first check that a thread state is one.</summary>
    public required int TstateInterp { get; init; }

    /// <summary>PyThreadState.thread_id: the pthread_t.</summary>
    public required int TstateThreadId { get; init; }

    /// <summary>PyThreadState.native_thread_id: the kernel TID, 3.11 on.</summary>
    public int TstateNativeThreadId { get; init; } = -1;

    /// <summary>PyThreadState.frame (3.8 to 3.10), .cframe (3.11, 3.12) or .current_frame (3.13).</summary>
    public required int TstateFrame { get; init; }

    /// <summary>_PyCFrame.current_frame, 3.11 and 3.12, where the thread state points at a _PyCFrame.</summary>
    public int CframeCurrentFrame { get; init; } = -1;

    /// <summary>PyFrameObject.f_back, 3.8 to 3.10.</summary>
    public int FrameBack { get; init; } = -1;

    /// <summary>PyFrameObject.f_code, 3.8 to 3.10.</summary>
    public int FrameCode { get; init; } = -1;

    /// <summary>PyFrameObject.f_trace, 3.8 to 3.10: while set, f_lineno is the line (3.8, 3.9).</summary>
    public int FrameTrace { get; init; } = -1;

    /// <summary>PyFrameObject.f_lasti, 3.8 to 3.10 (bytes before 3.10, code units in 3.10).</summary>
    public int FrameLasti { get; init; } = -1;

    /// <summary>PyFrameObject.f_lineno, 3.8 to 3.10.</summary>
    public int FrameLineno { get; init; } = -1;

    /// <summary>PyFrameObject.f_valuestack (a PyObject**: where the value stack starts), 3.8 to 3.10.</summary>
    public int FrameValuestack { get; init; } = -1;

    /// <summary>PyFrameObject.f_iblock (an int: blocks in use), 3.8 to 3.10.</summary>
    public int FrameIblock { get; init; } = -1;

    /// <summary>PyFrameObject.f_blockstack (PyTryBlock[CO_MAXBLOCKS]), 3.8 to 3.10.</summary>
    public int FrameBlockstack { get; init; } = -1;

    /// <summary>PyFrameObject.f_localsplus: the locals, cells and free variables, then the value stack, 3.8 to 3.10.</summary>
    public int FrameLocalsplus { get; init; } = -1;

    /// <summary>sizeof(PyTryBlock), 3.8 to 3.10.</summary>
    public int BlockSize { get; init; } = -1;

    /// <summary>PyTryBlock.b_level (an int: the value stack's depth when the block was set up), 3.8 to 3.10.</summary>
    public int BlockLevel { get; init; } = -1;

    /// <summary>_PyInterpreterFrame.localsplus: the locals, then the value stack, 3.11 on.</summary>
    public int IframeLocalsplus { get; init; } = -1;

    /// <summary>_PyInterpreterFrame.f_code (3.11, 3.12) or f_executable (3.13).</summary>
    public int IframeCode { get; init; } = -1;

    /// <summary>_PyInterpreterFrame.previous.</summary>
    public int IframePrevious { get; init; } = -1;

    /// <summary>_PyInterpreterFrame.prev_instr (3.11, 3.12) or instr_ptr (3.13).</summary>
    public int IframeInstr { get; init; } = -1;

    /// <summary>_PyInterpreterFrame.owner (a char).</summary>
    public int IframeOwner { get; init; } = -1;

    /// <summary>FRAME_OWNED_BY_GENERATOR: such frames are never "incomplete".</summary>
    public int OwnerGenerator { get; init; } = -1;

    /// <summary>FRAME_OWNED_BY_CSTACK (3.12 on): the shim frame at each C-to-Python entry, not the program's.</summary>
    public int OwnerCStack { get; init; } = -1;

    /// <summary>PyObject.ob_type.</summary>
    public required int ObjectType { get; init; }

    /// <summary>PyCodeObject.co_firstlineno (an int).</summary>
    public required int CodeFirstLineno { get; init; }

    /// <summary>PyCodeObject.co_filename.</summary>
    public required int CodeFilename { get; init; }

    /// <summary>PyCodeObject.co_name.</summary>
    public required int CodeName { get; init; }

    /// <summary>PyCodeObject.co_lnotab (3.8, 3.9) or co_linetable.</summary>
    public required int CodeLinetable { get; init; }

    /// <summary>PyCodeObject.co_stacksize (an int: the deepest the value stack gets).</summary>
    public required int CodeStacksize { get; init; }

    /// <summary>PyCodeObject.co_nlocalsplus (an int: the slots before the value stack), 3.11 on.</summary>
    public int CodeNlocalsplus { get; init; } = -1;

    /// <summary>PyCodeObject.co_exceptiontable (bytes), 3.11 on.</summary>
    public int CodeExceptiontable { get; init; } = -1;

    /// <summary>PyTypeObject.tp_name (a char*).</summary>
    public required int TypeName { get; init; }

    /// <summary>PyCFunctionObject.m_ml (the PyMethodDef*, whose first field is the method's name).</summary>
    public required int CFunctionMl { get; init; }

    /// <summary>PyCFunctionObject.m_self: the object a bound built-in method is bound to.</summary>
    public required int CFunctionSelf { get; init; }

    /// <summary>PyCodeObject.co_qualname, 3.11 on.</summary>
    public int CodeQualname { get; init; } = -1;

    /// <summary>PyCodeObject._co_firsttraceable (an int), 3.11 on.</summary>
    public int CodeFirstTraceable { get; init; } = -1;

    /// <summary>PyCodeObject.co_code_adaptive: where the bytecode starts inside the code object, 3.11 on.</summary>
    public int CodeCodeAdaptive { get; init; } = -1;

    /// <summary>PyBytesObject.ob_size.</summary>
    public required int BytesSize { get; init; }

    /// <summary>PyBytesObject.ob_sval.</summary>
    public required int BytesData { get; init; }

    /// <summary>PyASCIIObject.length.</summary>
    public required int UnicodeLength { get; init; }

    /// <summary>PyASCIIObject.state (a 32-bit bitfield).</summary>
    public required int UnicodeState { get; init; }

    /// <summary>sizeof(PyASCIIObject): where a compact ASCII string's characters start.</summary>
    public required int UnicodeAsciiData { get; init; }

    /// <summary>sizeof(PyCompactUnicodeObject): where a compact non-ASCII string's characters start.</summary>
    public required int UnicodeCompactData { get; init; }

    /// <summary>The bits of state.kind (1, 2 or 4 bytes a character).</summary>
    public required uint StateKindMask { get; init; }

    /// <summary>The bit of state.compact (characters follow the header).</summary>
    public required uint StateCompactMask { get; init; }

    /// <summary>The bit of state.ascii.</summary>
    public required uint StateAsciiMask { get; init; }

    /// <summary>Bytes to read of a thread state to have every field above.</summary>
    public int TstateReadSize => Max(TstateNext, TstateInterp, TstateThreadId, TstateNativeThreadId, TstateFrame) + 8;

    /// <summary>Bytes to read of a frame (object or interpreter frame) to have every field above.</summary>
    public int FrameReadSize => Max(FrameBack, FrameCode, FrameTrace, FrameLasti, FrameLineno, IframeCode, IframePrevious, IframeInstr, IframeOwner) + 8;

    /// <summary>Bytes to read of a code object to have every field above.</summary>
    public int CodeReadSize => Max(CodeFirstLineno, CodeFilename, CodeName, CodeLinetable, CodeQualname, CodeFirstTraceable, CodeStacksize, CodeNlocalsplus, CodeExceptiontable) + 8;

    /// <summary>Every offset, size and mask under the names tools/python-layouts/offsets.c prints them.</summary>
    public IEnumerable<(string Name, long Value)> Describe()
    {
        (string, int)[] fields =
        [
            ("runtime.interpreters_head", RuntimeInterpretersHead), ("runtime.gil", RuntimeGil), ("interp.ceval_gil", InterpCevalGil),
            ("gil.last_holder", GilLastHolder), ("gil.locked", GilLocked), ("gil.cond", GilCond), ("gil.cond_size", GilCondSize), ("interp.next", InterpNext), ("interp.threads_head", InterpThreadsHead),
            ("tstate.next", TstateNext), ("tstate.interp", TstateInterp), ("tstate.thread_id", TstateThreadId), ("tstate.native_thread_id", TstateNativeThreadId),
            (Frames == FrameModel.FrameObjects ? "tstate.frame" : CframeCurrentFrame >= 0 ? "tstate.cframe" : "tstate.current_frame", TstateFrame),
            ("cframe.current_frame", CframeCurrentFrame), ("frame.back", FrameBack), ("frame.code", FrameCode), ("frame.trace", FrameTrace),
            ("frame.lasti", FrameLasti), ("frame.lineno", FrameLineno), ("frame.valuestack", FrameValuestack), ("frame.iblock", FrameIblock),
            ("frame.blockstack", FrameBlockstack), ("frame.localsplus", FrameLocalsplus), ("block.size", BlockSize), ("block.level", BlockLevel),
            ("iframe.localsplus", IframeLocalsplus), ("code.nlocalsplus", CodeNlocalsplus), ("code.exceptiontable", CodeExceptiontable),
            ("code.stacksize", CodeStacksize), ("type.name", TypeName), ("cfunction.ml", CFunctionMl), ("cfunction.self", CFunctionSelf), ("iframe.code", IframeCode), ("iframe.previous", IframePrevious),
            ("iframe.instr", IframeInstr), ("iframe.owner", IframeOwner), ("owner.generator", OwnerGenerator), ("owner.cstack", OwnerCStack),
            ("object.type", ObjectType), ("code.firstlineno", CodeFirstLineno), ("code.filename", CodeFilename), ("code.name", CodeName),
            ("code.linetable", CodeLinetable), ("code.qualname", CodeQualname), ("code.firsttraceable", CodeFirstTraceable),
            ("code.code_adaptive", CodeCodeAdaptive), ("bytes.size", BytesSize), ("bytes.data", BytesData), ("unicode.length", UnicodeLength),
            ("unicode.state", UnicodeState), ("unicode.ascii_data", UnicodeAsciiData), ("unicode.compact_data", UnicodeCompactData),
        ];
        foreach ((string name, int value) in fields.Where(f => f.Item2 >= 0))
        {
            yield return (name, value);
        }

        yield return ("unicode.state.kind", StateKindMask);
        yield return ("unicode.state.compact", StateCompactMask);
        yield return ("unicode.state.ascii", StateAsciiMask);
    }

    private static int Max(params int[] offsets) => offsets.Max();
}
