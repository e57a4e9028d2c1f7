namespace ProcAudit.Python;

/// <summary>
/// The layouts of CPython 3.8 to 3.12 (and 3.13's, for what _Py_DebugOffsets does not carry), as printed by
/// tools/python-layouts/offsets.c compiled against each release's own headers (pyenv 3.8.18, 3.9.18, 3.10.13,
/// 3.11.7, 3.12.1, 3.13.0; Debian's 3.11.2 headers give the same as 3.11.7). Default release builds with the GIL
/// only: a debug build (Py_TRACE_REFS) or a free-threaded 3.13t moves every object field.
/// </summary>
internal static class PythonLayouts
{
    // state: interned:2, kind:3, compact:1, ascii:1 in every release.
    private const uint KindMask = 0x1c;
    private const uint CompactMask = 0x20;
    private const uint AsciiMask = 0x40;

    private static readonly PythonLayout s_python38 = new PythonLayout
    {
        Version = new PythonVersion(3, 8, null),
        Frames = FrameModel.FrameObjects,
        LineTable = LineTableFormat.Lnotab,
        RuntimeInterpretersHead = 32,
        RuntimeGil = 1152,
        GilLastHolder = 8,
        GilLocked = 16,
        GilCond = 32,
        GilCondSize = 48,
        InterpNext = 0,
        InterpThreadsHead = 8,
        TstateNext = 8,
        TstateInterp = 16,
        TstateThreadId = 176,
        TstateFrame = 24,
        FrameBack = 24,
        FrameCode = 32,
        FrameTrace = 80,
        FrameLasti = 104,
        FrameLineno = 108,
        FrameValuestack = 64,
        FrameIblock = 112,
        FrameBlockstack = 120,
        FrameLocalsplus = 360,
        BlockSize = 12,
        BlockLevel = 8,
        TypeName = 24,
        CFunctionMl = 16,
        CFunctionSelf = 24,
        CodeStacksize = 32,
        ObjectType = 8,
        CodeFirstLineno = 40,
        CodeFilename = 104,
        CodeName = 112,
        CodeLinetable = 120,
        BytesSize = 16,
        BytesData = 32,
        UnicodeLength = 16,
        UnicodeState = 32,
        UnicodeAsciiData = 48,
        UnicodeCompactData = 72,
        StateKindMask = KindMask,
        StateCompactMask = CompactMask,
        StateAsciiMask = AsciiMask,
    };

    private static readonly PythonLayout s_python39 = s_python38 with
    {
        Version = new PythonVersion(3, 9, null),
        RuntimeGil = 352,
    };

    private static readonly PythonLayout s_python310 = s_python39 with
    {
        Version = new PythonVersion(3, 10, null),
        LineTable = LineTableFormat.Ranges,
        FrameTrace = 72,
        FrameLasti = 96,
        FrameLineno = 100,
        FrameIblock = 104,
        FrameBlockstack = 112,
        FrameLocalsplus = 352,
    };

    private static readonly PythonLayout s_python311 = s_python310 with
    {
        Version = new PythonVersion(3, 11, null),
        Frames = FrameModel.InterpreterFrames,
        LineTable = LineTableFormat.Locations,
        RuntimeInterpretersHead = 40,
        RuntimeGil = 360,
        InterpThreadsHead = 16,
        TstateThreadId = 152,
        TstateNativeThreadId = 160,
        TstateFrame = 56,
        CframeCurrentFrame = 8,
        FrameBack = -1,
        FrameCode = -1,
        FrameTrace = -1,
        FrameLasti = -1,
        FrameLineno = -1,
        FrameValuestack = -1,
        FrameIblock = -1,
        FrameBlockstack = -1,
        FrameLocalsplus = -1,
        BlockSize = -1,
        BlockLevel = -1,
        IframeLocalsplus = 72,
        CodeNlocalsplus = 76,
        CodeExceptiontable = 40,
        CodeStacksize = 68,
        IframeCode = 32,
        IframePrevious = 48,
        IframeInstr = 56,
        IframeOwner = 69,
        OwnerGenerator = 1,
        CodeFirstLineno = 72,
        CodeFilename = 112,
        CodeName = 120,
        CodeLinetable = 136,
        CodeQualname = 128,
        CodeFirstTraceable = 168,
        CodeCodeAdaptive = 184,
    };

    private static readonly PythonLayout s_python312 = s_python311 with
    {
        Version = new PythonVersion(3, 12, null),
        RuntimeGil = -1,
        InterpCevalGil = 384,
        InterpThreadsHead = 72,
        TstateThreadId = 136,
        TstateNativeThreadId = 144,
        CframeCurrentFrame = 0,
        IframeCode = 0,
        IframePrevious = 8,
        IframeOwner = 70,
        OwnerCStack = 3,
        CodeFirstLineno = 68,
        CodeNlocalsplus = 72,
        CodeStacksize = 64,
        CodeFirstTraceable = 176,
        CodeCodeAdaptive = 192,
        UnicodeAsciiData = 40,
        UnicodeCompactData = 56,
    };

    /// <summary>
    /// 3.13.0 from its headers: the fallback and the source of what _Py_DebugOffsets lacks (_co_firsttraceable,
    /// sizeof(PyCompactUnicodeObject), the state bits, the owner values, the fields inside the GIL struct).
    /// </summary>
    internal static readonly PythonLayout Python313Headers = s_python312 with
    {
        Version = new PythonVersion(3, 13, null),
        RuntimeInterpretersHead = 632,
        InterpCevalGil = 16,
        InterpNext = 7264,
        InterpThreadsHead = 7344,
        TstateThreadId = 152,
        TstateNativeThreadId = 160,
        TstateFrame = 72,
        CframeCurrentFrame = -1,
        CodeFirstTraceable = 184,
        CodeCodeAdaptive = 200,
    };

    /// <summary>The layout of a 3.8 to 3.12 release from the tables; 3.13's header table; null for any other.</summary>
    public static PythonLayout? ForMinor(PythonVersion version)
    {
        if (version.Major != 3)
        {
            return null;
        }

        return version.Minor switch
        {
            8 => s_python38,
            9 => s_python39,
            10 => s_python310,
            11 => s_python311,
            12 => s_python312,
            13 => Python313Headers,
            _ => null,
        };
    }
}
