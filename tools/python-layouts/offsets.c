/*
 * Prints, as "name value" lines, every CPython struct offset, size and bit mask the Python stack reader
 * (src/ProcAudit.Python/PythonLayouts.cs) uses, straight from one CPython's own headers. The tests compile it
 * against each installed version and compare with the reader's tables, so the tables are never typed from memory:
 *   gcc -DPy_BUILD_CORE -I ~/.pyenv/versions/X/include/pythonX.Y -o offsets offsets.c
 * (x86-64, a default release build with the GIL; no libpython is linked: only the headers are used).
 */
#include <Python.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>
#if PY_VERSION_HEX < 0x030B0000
#include <frameobject.h>
#endif
#if PY_VERSION_HEX < 0x03090000
#include <internal/pycore_pystate.h>
#else
#include <internal/pycore_runtime.h>
#include <internal/pycore_interp.h>
#endif
#if PY_VERSION_HEX >= 0x030B0000
#include <internal/pycore_frame.h>
#include <internal/pycore_code.h>
#endif
#include <internal/pycore_gil.h>

#define P(name, value) printf("%s %lld\n", name, (long long)(value))

/* The bits a field of PyASCIIObject.state occupies, as the compiler lays the bitfield out. */
#define STATE_MASK(field)                                   \
    do {                                                    \
        PyASCIIObject probe;                                \
        uint32_t bits;                                      \
        memset(&probe, 0, sizeof probe);                    \
        probe.state.field--; /* all ones */                 \
        memcpy(&bits, &probe.state, sizeof bits);           \
        P("unicode.state." #field, bits);                   \
    } while (0)

int main(void)
{
    P("version_hex", PY_VERSION_HEX);
    P("runtime.interpreters_head", offsetof(_PyRuntimeState, interpreters.head));
#if PY_VERSION_HEX < 0x030C0000
    P("runtime.gil", offsetof(_PyRuntimeState, ceval.gil));
#else
    P("interp.ceval_gil", offsetof(PyInterpreterState, ceval.gil));
#endif
    P("gil.last_holder", offsetof(struct _gil_runtime_state, last_holder));
    P("gil.locked", offsetof(struct _gil_runtime_state, locked));
    P("gil.cond", offsetof(struct _gil_runtime_state, cond));
    P("gil.cond_size", sizeof(((struct _gil_runtime_state *)0)->cond));

    P("interp.next", offsetof(PyInterpreterState, next));
#if PY_VERSION_HEX < 0x030B0000
    P("interp.threads_head", offsetof(PyInterpreterState, tstate_head));
#else
    P("interp.threads_head", offsetof(PyInterpreterState, threads.head));
#endif

    P("tstate.next", offsetof(PyThreadState, next));
    P("tstate.interp", offsetof(PyThreadState, interp));
    P("tstate.thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030B0000
    P("tstate.native_thread_id", offsetof(PyThreadState, native_thread_id));
#endif
#if PY_VERSION_HEX < 0x030B0000
    P("tstate.frame", offsetof(PyThreadState, frame));
    P("frame.back", offsetof(PyFrameObject, f_back));
    P("frame.code", offsetof(PyFrameObject, f_code));
    P("frame.trace", offsetof(PyFrameObject, f_trace));
    P("frame.lasti", offsetof(PyFrameObject, f_lasti));
    P("frame.lineno", offsetof(PyFrameObject, f_lineno));
    P("frame.valuestack", offsetof(PyFrameObject, f_valuestack));
    P("frame.iblock", offsetof(PyFrameObject, f_iblock));
    P("frame.blockstack", offsetof(PyFrameObject, f_blockstack));
    P("frame.localsplus", offsetof(PyFrameObject, f_localsplus));
    P("block.size", sizeof(PyTryBlock));
    P("block.level", offsetof(PyTryBlock, b_level));
#else
#if PY_VERSION_HEX < 0x030D0000
    P("tstate.cframe", offsetof(PyThreadState, cframe));
    P("cframe.current_frame", offsetof(_PyCFrame, current_frame));
    P("iframe.code", offsetof(_PyInterpreterFrame, f_code));
    P("iframe.instr", offsetof(_PyInterpreterFrame, prev_instr));
#else
    P("tstate.current_frame", offsetof(PyThreadState, current_frame));
    P("iframe.code", offsetof(_PyInterpreterFrame, f_executable));
    P("iframe.instr", offsetof(_PyInterpreterFrame, instr_ptr));
#endif
    P("iframe.previous", offsetof(_PyInterpreterFrame, previous));
    P("iframe.owner", offsetof(_PyInterpreterFrame, owner));
    P("iframe.localsplus", offsetof(_PyInterpreterFrame, localsplus));
    P("code.nlocalsplus", offsetof(PyCodeObject, co_nlocalsplus));
    P("code.exceptiontable", offsetof(PyCodeObject, co_exceptiontable));
    P("owner.generator", FRAME_OWNED_BY_GENERATOR);
#if PY_VERSION_HEX >= 0x030C0000
    P("owner.cstack", FRAME_OWNED_BY_CSTACK);
#endif
    P("code.qualname", offsetof(PyCodeObject, co_qualname));
    P("code.firsttraceable", offsetof(PyCodeObject, _co_firsttraceable));
    P("code.code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
#endif

    P("object.type", offsetof(PyObject, ob_type));
    P("code.firstlineno", offsetof(PyCodeObject, co_firstlineno));
    P("code.filename", offsetof(PyCodeObject, co_filename));
    P("code.name", offsetof(PyCodeObject, co_name));
    P("code.stacksize", offsetof(PyCodeObject, co_stacksize));
    P("type.name", offsetof(PyTypeObject, tp_name));
    P("cfunction.ml", offsetof(PyCFunctionObject, m_ml));
    P("cfunction.self", offsetof(PyCFunctionObject, m_self));
#if PY_VERSION_HEX < 0x030A0000
    P("code.linetable", offsetof(PyCodeObject, co_lnotab));
#else
    P("code.linetable", offsetof(PyCodeObject, co_linetable));
#endif
    P("bytes.size", offsetof(PyBytesObject, ob_base.ob_size));
    P("bytes.data", offsetof(PyBytesObject, ob_sval));
    P("unicode.length", offsetof(PyASCIIObject, length));
    P("unicode.state", offsetof(PyASCIIObject, state));
    P("unicode.ascii_data", sizeof(PyASCIIObject));
    P("unicode.compact_data", sizeof(PyCompactUnicodeObject));
    STATE_MASK(kind);
    STATE_MASK(compact);
    STATE_MASK(ascii);
#if PY_VERSION_HEX >= 0x030D0000
#define D(field) P("debug." #field, offsetof(_Py_DebugOffsets, field))
    /* Where each offset sits inside _Py_DebugOffsets (src/ProcAudit.Python/DebugOffsets.cs). */
    P("debug.size", sizeof(_Py_DebugOffsets));
    D(version); D(free_threaded);
    D(runtime_state.interpreters_head);
    D(interpreter_state.next); D(interpreter_state.threads_head); D(interpreter_state.ceval_gil);
    D(interpreter_state.gil_runtime_state); D(interpreter_state.gil_runtime_state_locked);
    D(interpreter_state.gil_runtime_state_holder);
    D(thread_state.next); D(thread_state.interp); D(thread_state.current_frame);
    D(thread_state.thread_id); D(thread_state.native_thread_id);
    D(interpreter_frame.previous); D(interpreter_frame.executable); D(interpreter_frame.instr_ptr);
    D(interpreter_frame.owner);
    D(code_object.filename); D(code_object.name); D(code_object.qualname); D(code_object.linetable);
    D(code_object.firstlineno); D(code_object.co_code_adaptive);
    D(pyobject.ob_type);
    D(bytes_object.ob_size); D(bytes_object.ob_sval);
    D(unicode_object.state); D(unicode_object.length); D(unicode_object.asciiobject_size);
#endif
    return 0;
}
