using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Kinds;

namespace ProcAudit.Analysis;

internal sealed partial class WaitGraphBuilder
{
    /// <summary>
    /// A thread blocked in poll or select with no time limit, on a set whose every descriptor is the read end of an
    /// empty pipe whose writers are blocked or will not write (Python's <c>communicate()</c>, an event loop draining a
    /// child's output): it waits for those writers. Any other descriptor in the set (a socket, a pipe with data, its
    /// own wake-up pipe) could wake it, so then no edge is drawn. The set is the call's own argument, read from the
    /// thread's memory, so the edges are observed.
    /// </summary>
    private void AddPolled(ProcessInfo process, ThreadInfo thread)
    {
        if (thread.Syscall is not { Shape: SyscallShape.Poll, Timer: null, Name: string name } call || call.WaitsOnFds.IsEmpty
            || name.StartsWith("epoll", StringComparison.Ordinal) || thread.Progress?.Moved == true || thread.State is "T" or "t")
        {
            return;
        }
        List<(FdInfo Fd, ImmutableArray<int> Writers)> ends = new();
        foreach (int n in call.WaitsOnFds.Distinct())
        {
            if (process.FindFd(n) is not { Kind: FdKind.Pipe, Access: "read" } fd || _scope.StuckPipe(fd.Target) is not { QueuedBytes: 0 } pipe)
            {
                return;
            }
            ImmutableArray<int> writers = KindScope.Holding(pipe.Holders, "writer", except: process.Pid);
            if (writers.IsEmpty || !writers.All(w => IsBlocked(w) || WillNotWrite(w)))
            {
                return;
            }
            ends.Add((fd, writers));
        }
        string set = string.Join(", ", call.WaitsOnFds.Distinct().Select(n => n.ToString(CultureInfo.InvariantCulture)));
        foreach ((FdInfo fd, ImmutableArray<int> writers) in ends)
        {
            foreach (int writer in writers)
            {
                _edges.Add(new WaitEdge(new WaitEnd(process.Pid, thread.Tid), new WaitEnd(writer), fd.Target, WaitReasons.ReadEmptyPipe, Certainty.Observed,
                    $"thread {thread.Tid} is blocked in {name} on fds {set} with no time limit; fd {fd.Fd} is the read end of {fd.Target}, which is empty, and its writer {writer} {WriterState(writer)}", fd.Fd));
            }
        }
    }

    private string WriterState(int writer) =>
        IsBlocked(writer) ? "is itself blocked" : _snapshot.FindProcess(writer)?.State is "T" or "t" ? "is stopped" : "sleeps";
}
