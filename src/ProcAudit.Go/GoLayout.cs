namespace ProcAudit.Go;

/// <summary>Field offsets of the runtime structs the reader walks, as read from the binary's own type descriptors.</summary>
internal sealed record GoLayout(
    int GSize,
    int GStackHi,
    int GM,
    int GSchedSp,
    int GSchedPc,
    int GSyscallSp,
    int GSyscallPc,
    int GAtomicStatus,
    int GGoid,
    int GWaitSince,
    int GWaitReason,
    int GWaiting,
    int SudogC,
    int SudogWaitLink,
    int HchanQcount,
    int HchanDataqsiz,
    int HchanClosed,
    int HchanElemType,
    int MProcId)
{
    /// <summary>Reads every offset from <paramref name="types"/>; null with the missing fields named in <paramref name="error"/>.</summary>
    public static GoLayout? TryRead(GoTypes types, out string? error)
    {
        List<string> missing = new List<string>();
        int Get(string structName, string path)
        {
            ulong? offset = types.FieldOffset(structName, path);
            if (offset is null || offset.Value > 1 << 16)
            {
                missing.Add($"{structName}.{path}");
                return -1;
            }

            return (int)offset.Value;
        }

        ulong? g = types.FindStruct("runtime.g");
        ulong? gSize = g is null ? null : types.Size(g.Value);
        GoLayout layout = new GoLayout(
            gSize is > 0 and < 1 << 16 ? (int)gSize.Value : -1,
            Get("runtime.g", "stack.hi"),
            Get("runtime.g", "m"),
            Get("runtime.g", "sched.sp"),
            Get("runtime.g", "sched.pc"),
            Get("runtime.g", "syscallsp"),
            Get("runtime.g", "syscallpc"),
            Get("runtime.g", "atomicstatus"),
            Get("runtime.g", "goid"),
            Get("runtime.g", "waitsince"),
            Get("runtime.g", "waitreason"),
            Get("runtime.g", "waiting"),
            Get("runtime.sudog", "c"),
            Get("runtime.sudog", "waitlink"),
            Get("runtime.hchan", "qcount"),
            Get("runtime.hchan", "dataqsiz"),
            Get("runtime.hchan", "closed"),
            Get("runtime.hchan", "elemtype"),
            Get("runtime.m", "procid"));
        if (layout.GSize < 0)
        {
            missing.Insert(0, "runtime.g");
        }

        if (missing.Count > 0)
        {
            error = "runtime type descriptors lack " + string.Join(", ", missing);
            return null;
        }

        error = null;
        return layout;
    }
}
