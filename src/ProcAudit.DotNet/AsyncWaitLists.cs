using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// The runtime's own queues of async waiters: a <c>SemaphoreSlim</c>'s <c>m_asyncHead</c> list of TaskNodes, and a
/// bounded channel's circular lists of blocked readers and writers. Each maps a waiter's awaited object to its owner.
/// </summary>
internal static class AsyncWaitLists
{
    private const int MaxListLength = 100_000;

    /// <summary>Each semaphore's queued TaskNodes, in queue order, by semaphore address.</summary>
    public static Dictionary<ulong, List<ulong>> SemaphoreQueues(IEnumerable<ClrObject> semaphores)
    {
        Dictionary<ulong, List<ulong>> queues = new Dictionary<ulong, List<ulong>>();
        foreach (ClrObject semaphore in semaphores)
        {
            List<ulong> queue = new List<ulong>();
            ClrObject node = new FieldReader(semaphore).Object("m_asyncHead");
            HashSet<ulong> seen = new HashSet<ulong>();
            while (!node.IsNull && queue.Count < MaxListLength && seen.Add(node.Address))
            {
                queue.Add(node.Address);
                node = new FieldReader(node).Object("Next");
            }

            if (queue.Count > 0)
            {
                queues[semaphore.Address] = queue;
            }
        }

        return queues;
    }

    /// <summary>Every operation queued on a bounded channel: the operation's address to its channel and whether it writes.</summary>
    public static Dictionary<ulong, (ulong Channel, bool Write)> ChannelOperations(IEnumerable<ClrObject> channels)
    {
        Dictionary<ulong, (ulong Channel, bool Write)> operations = new Dictionary<ulong, (ulong Channel, bool Write)>();
        foreach (ClrObject channel in channels)
        {
            FieldReader reader = new FieldReader(channel);
            foreach ((string head, bool write) in new[] { ("_blockedReadersHead", false), ("_waitingReadersHead", false), ("_blockedWritersHead", true), ("_waitingWritersHead", true) })
            {
                ClrObject first = reader.Object(head);
                ClrObject op = first;
                int count = 0;
                while (!op.IsNull && count++ < MaxListLength)
                {
                    operations[op.Address] = (channel.Address, write);
                    op = new FieldReader(op).Object("<Next>k__BackingField");
                    if (op.Address == first.Address)
                    {
                        break;
                    }
                }
            }
        }

        return operations;
    }
}
