using ProcAudit.Capture.Procfs;

namespace ProcAudit.Go;

/// <summary>
/// The epoll registrations of a Go process: the netpoller registers each fd with its pollDesc as the event's
/// data, so the fdinfo of the epoll descriptor maps pollDescs (and the goroutines parked on them) to fds.
/// </summary>
internal static class PollWatches
{
    /// <summary>(fd, data) of every registration of the given epoll descriptors; empty when none could be read.</summary>
    public static IReadOnlyList<(int Fd, ulong Data)> Read(int pid, IReadOnlyCollection<int>? epollFds)
    {
        List<(int, ulong)> watches = new List<(int, ulong)>();
        if (epollFds is null)
        {
            return watches;
        }

        ProcfsReader procfs = new ProcfsReader();
        foreach (int epoll in epollFds)
        {
            ProcText text = procfs.ReadText($"{pid}/fdinfo/{epoll}");
            if (text.Text is not string content || FdInfoFile.Parse(content) is not FdInfoRecord record)
            {
                continue;
            }

            foreach (EpollWatch watch in record.Watches)
            {
                if (watch.Data is ulong data)
                {
                    watches.Add((watch.Fd, data));
                }
            }
        }

        return watches;
    }
}
