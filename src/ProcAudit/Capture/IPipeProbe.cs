namespace ProcAudit.Capture;

/// <summary>How full a pipe is, or why that could not be measured.</summary>
/// <param name="QueuedBytes">FIONREAD: bytes written and not yet read.</param>
/// <param name="CapacityBytes">F_GETPIPE_SZ: the pipe's buffer size.</param>
/// <param name="Problem">Why the level is unknown (null on success).</param>
internal sealed record PipeLevel(long? QueuedBytes, long? CapacityBytes, string? Problem = null);

/// <summary>
/// Measures a pipe's fill level through one holder's descriptor, without reading from it. Behind an
/// interface so analysis tests and fixture trees can supply recorded levels.
/// </summary>
internal interface IPipeProbe
{
    PipeLevel Probe(int pid, int fd, ulong inode);
}

/// <summary>Which holder a pipe is measured through: one in the tree when there is one, the process we are there to read.</summary>
internal static class ProbeHolder
{
    public static (int Pid, int Fd)? Choose(IEnumerable<Holder> holders, Func<int, bool> inTree)
    {
        // One pass and no copy: a scan asks this twice for each of 1,600 pipes.
        Holder? first = null;
        foreach (Holder h in holders)
        {
            if (h.Fd is null)
            {
                continue;
            }
            if (inTree(h.Pid))
            {
                return (h.Pid, h.Fd.Value);
            }
            first ??= h;
        }
        return first is null ? null : (first.Pid, first.Fd!.Value);
    }
}
