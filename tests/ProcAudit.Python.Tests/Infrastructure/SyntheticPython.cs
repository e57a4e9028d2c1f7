using System.Text;

namespace ProcAudit.Python.Tests.Infrastructure;

/// <summary>
/// An interpreter laid out in <see cref="SyntheticMemory"/> through a release's layout: _PyRuntime, one
/// interpreter, thread states, frames, code objects and their strings, each at a fixed page.
/// </summary>
internal sealed class SyntheticPython
{
    public const ulong Runtime = 0x10_0000;
    public const ulong Interpreter = 0x20_0000;
    public const ulong Code = 0x50_0000;
    private const ulong CodeType = 0x1000;
    private const ulong UnicodeType = 0x2000;
    private const ulong BytesType = 0x3000;
    private const ulong FrameType = 0x4000;
    private const ulong Name = 0x60_0000;
    private const ulong FileName = 0x61_0000;
    private const ulong LineTable = 0x62_0000;

    public SyntheticPython(PythonLayout layout)
    {
        Layout = layout;
        Memory.Map(Runtime, 4096);
        Memory.Write(Runtime, layout.RuntimeInterpretersHead, Interpreter);
        Memory.Map(Interpreter, Math.Max(layout.InterpThreadsHead, layout.InterpNext) + 8);
        if (layout.InterpCevalGil >= 0)
        {
            Memory.Write(Interpreter, layout.InterpCevalGil, Runtime + 2048);
        }

        Memory.Map(Code, 4096);
        Memory.Write(Code, layout.ObjectType, CodeType);
        Memory.Write(Code, layout.CodeName, Name);
        Memory.Write(Code, layout.CodeFilename, FileName);
        Memory.Write(Code, layout.CodeLinetable, LineTable);
        Memory.Write(Code, layout.CodeFirstLineno, 7, 4);
        if (layout.CodeQualname >= 0)
        {
            Memory.Write(Code, layout.CodeQualname, Name);
        }

        String(Name, "f");
        String(FileName, "synthetic.py");
        Memory.Map(LineTable, layout.BytesData);
        Memory.Write(LineTable, layout.ObjectType, BytesType);
    }

    public PythonLayout Layout { get; }

    public SyntheticMemory Memory { get; } = new SyntheticMemory();

    public PythonTarget Target => new PythonTarget(Layout.Version, Layout, Runtime, new PythonTypes(CodeType, UnicodeType, BytesType, FrameType), null, null, null);

    /// <summary>A thread state at <paramref name="address"/> (linked to <paramref name="next"/>) whose top frame is <paramref name="frame"/>.</summary>
    public void ThreadState(ulong address, ulong next, ulong frame, bool first = false)
    {
        Memory.Map(address, Layout.TstateReadSize);
        Memory.Write(address, Layout.TstateNext, next);
        Memory.Write(address, Layout.TstateInterp, Interpreter);
        Memory.Write(address, Layout.TstateThreadId, address + 0x100);
        if (Layout.TstateNativeThreadId >= 0)
        {
            Memory.Write(address, Layout.TstateNativeThreadId, 4242);
        }

        if (Layout.CframeCurrentFrame >= 0)
        {
            // 3.11, 3.12: the thread state points at a _PyCFrame that points at the frame.
            Memory.Write(address, Layout.TstateFrame, address + 0x800);
            Memory.Write(address + 0x800, Layout.CframeCurrentFrame, frame);
        }
        else
        {
            Memory.Write(address, Layout.TstateFrame, frame);
        }

        if (first)
        {
            Memory.Write(Interpreter, Layout.InterpThreadsHead, address);
        }
    }

    /// <summary>A frame of the code object at <paramref name="address"/>, whose caller is <paramref name="back"/>.</summary>
    public void Frame(ulong address, ulong back)
    {
        Memory.Map(address, Layout.FrameReadSize);
        if (Layout.Frames == FrameModel.FrameObjects)
        {
            Memory.Write(address, Layout.ObjectType, FrameType);
            Memory.Write(address, Layout.FrameCode, Code);
            Memory.Write(address, Layout.FrameBack, back);
        }
        else
        {
            Memory.Write(address, Layout.IframeCode, Code);
            Memory.Write(address, Layout.IframePrevious, back);
            Memory.Write(address, Layout.IframeInstr, Code + (ulong)Layout.CodeCodeAdaptive);
        }
    }

    private void String(ulong address, string text)
    {
        Memory.Map(address, Layout.UnicodeAsciiData + text.Length + 1);
        Memory.Write(address, Layout.ObjectType, UnicodeType);
        Memory.Write(address, Layout.UnicodeLength, (ulong)text.Length);
        uint kind1 = Layout.StateKindMask & ~(Layout.StateKindMask << 1);
        Memory.Write(address, Layout.UnicodeState, Layout.StateCompactMask | Layout.StateAsciiMask | kind1, 4);
        Memory.WriteBytes(address + (ulong)Layout.UnicodeAsciiData, Encoding.ASCII.GetBytes(text));
    }
}
