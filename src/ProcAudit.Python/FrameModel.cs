namespace ProcAudit.Python;

/// <summary>How a version chains a thread's frames.</summary>
internal enum FrameModel
{
    /// <summary>3.8 to 3.10: PyFrameObjects linked by f_back, from tstate->frame.</summary>
    FrameObjects,

    /// <summary>3.11 on: _PyInterpreterFrames on the thread's data stack, linked by previous.</summary>
    InterpreterFrames,
}
