using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// One walk of the heap that keeps what async flows are made of: incomplete tasks (state machine boxes, promises,
/// combinators), pooled value-task boxes, semaphores, task completion sources and bounded channels.
/// </summary>
internal sealed class AsyncHeapIndex
{
    /// <summary>RanToCompletion | Faulted | Canceled in <c>Task.m_stateFlags</c>.</summary>
    private const int CompletedMask = 0x1600000;

    private const string TaskTypeName = "System.Threading.Tasks.Task";
    private const string SemaphoreTypeName = "System.Threading.SemaphoreSlim";
    private const string BoundedChannelPrefix = "System.Threading.Channels.BoundedChannel<";
    private const string TcsTypeName = "System.Threading.Tasks.TaskCompletionSource";
    private const string ThreadTypeName = "System.Threading.Thread";
    private const string DefaultContextTypeName = "System.Threading.SynchronizationContext";

    private readonly Dictionary<ulong, Role> _roles = new Dictionary<ulong, Role>();
    private readonly Dictionary<ulong, ClrType> _types = new Dictionary<ulong, ClrType>();

    private AsyncHeapIndex()
    {
    }

    private enum Role
    {
        None,
        Task,
        PooledBox,
        Semaphore,
        Tcs,
        Channel,
        Thread,
    }

    /// <summary>Incomplete tasks of every kind, by address.</summary>
    public Dictionary<ulong, ClrObject> PendingTasks { get; } = new Dictionary<ulong, ClrObject>();

    /// <summary>Pooled <c>async ValueTask</c> boxes that are in use (not tasks, so kept apart).</summary>
    public Dictionary<ulong, ClrObject> PooledBoxes { get; } = new Dictionary<ulong, ClrObject>();

    public List<ClrObject> Semaphores { get; } = new List<ClrObject>();

    public List<ClrObject> Channels { get; } = new List<ClrObject>();

    /// <summary>Managed threads whose current SynchronizationContext is one of a derived type (a UI's, a single-threaded one), with that context.</summary>
    public List<(ClrObject Thread, ClrObject Context)> ContextThreads { get; } = new List<(ClrObject Thread, ClrObject Context)>();

    /// <summary>A <c>TaskCompletionSource</c>'s task to the source.</summary>
    public Dictionary<ulong, ulong> SourceOfPromise { get; } = new Dictionary<ulong, ulong>();

    /// <summary>Every type the walk met, by method table: what <see cref="GuardedHeap"/> may trust.</summary>
    public IReadOnlyDictionary<ulong, ClrType> Types => _types;

    /// <summary>True when the walk stopped early at its cap of pending tasks.</summary>
    public bool Truncated { get; private set; }

    /// <summary>True when the walk stopped early at its deadline.</summary>
    public bool StoppedAtDeadline { get; private set; }

    /// <summary>How many objects the walk met.</summary>
    public long ObjectsWalked { get; private set; }

    /// <param name="heap">The heap to walk.</param>
    /// <param name="maxPending">The walk stops after this many pending tasks and pooled boxes.</param>
    /// <param name="deadline">The walk stops at this <see cref="Environment.TickCount64"/>, so the flows found so far can still be built within the read's budget.</param>
    /// <param name="ct">Cancels the walk.</param>
    public static AsyncHeapIndex Build(ClrHeap heap, int maxPending, long deadline, CancellationToken ct)
    {
        AsyncHeapIndex index = new AsyncHeapIndex();
        long seen = 0;
        foreach (ClrObject obj in heap.EnumerateObjects())
        {
            if ((++seen & 0xfff) == 0)
            {
                ct.ThrowIfCancellationRequested();
                if (Environment.TickCount64 >= deadline)
                {
                    index.StoppedAtDeadline = true;
                    break;
                }
            }

            ClrType? type = obj.Type;
            if (type is null)
            {
                continue;
            }

            switch (index.RoleOf(type))
            {
                case Role.Task:
                    int flags = new FieldReader(obj).Read<int>("m_stateFlags");
                    if ((flags & CompletedMask) == 0)
                    {
                        index.PendingTasks[obj.Address] = obj;
                    }

                    break;
                case Role.PooledBox:
                    if (IsPooledBoxInUse(obj))
                    {
                        index.PooledBoxes[obj.Address] = obj;
                    }

                    break;
                case Role.Semaphore:
                    index.Semaphores.Add(obj);
                    break;
                case Role.Channel:
                    index.Channels.Add(obj);
                    break;
                case Role.Thread:
                    ClrObject context = new FieldReader(obj).Object("_synchronizationContext");
                    if (!context.IsNull && context.Type?.Name is string contextType && contextType != DefaultContextTypeName)
                    {
                        index.ContextThreads.Add((obj, context));
                    }

                    break;
                case Role.Tcs:
                    ClrObject task = new FieldReader(obj).Object("_task");
                    if (!task.IsNull)
                    {
                        index.SourceOfPromise[task.Address] = obj.Address;
                    }

                    break;
            }

            if (index.PendingTasks.Count + index.PooledBoxes.Count >= maxPending)
            {
                index.Truncated = true;
                break;
            }
        }

        index.ObjectsWalked = seen;
        return index;
    }

    /// <summary>True for a task (or pooled box) type: a continuation waiting inside one is not a posted one.</summary>
    public bool IsTask(ClrType type)
    {
        return RoleOf(type) is Role.Task or Role.PooledBox;
    }

    /// <summary>An idle pooled box has neither a continuation nor an awaiter; one in use has at least one.</summary>
    private static bool IsPooledBoxInUse(ClrObject box)
    {
        FieldReader reader = new FieldReader(box);
        if (!reader.Nested("_valueTaskSource").Object("_continuation").IsNull)
        {
            return true;
        }

        return !StateMachines.AwaitedObject(StateMachines.Of(box)).Object.IsNull;
    }

    private Role RoleOf(ClrType type)
    {
        if (_roles.TryGetValue(type.MethodTable, out Role role))
        {
            return role;
        }

        role = Classify(type);
        _roles[type.MethodTable] = role;
        _types[type.MethodTable] = type;
        return role;
    }

    private static Role Classify(ClrType type)
    {
        string name = type.Name ?? string.Empty;
        if (name == SemaphoreTypeName)
        {
            return Role.Semaphore;
        }

        if (name == ThreadTypeName)
        {
            return Role.Thread;
        }

        if (name.StartsWith(BoundedChannelPrefix, StringComparison.Ordinal) && name.IndexOf('+', BoundedChannelPrefix.Length) < 0)
        {
            return Role.Channel;
        }

        if (name == TcsTypeName || name.StartsWith(TcsTypeName + "<", StringComparison.Ordinal))
        {
            return Role.Tcs;
        }

        if (name.Contains("PoolingAsyncValueTaskMethodBuilder", StringComparison.Ordinal)
            && name.Contains("+StateMachineBox<", StringComparison.Ordinal))
        {
            return Role.PooledBox;
        }

        for (ClrType? current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == TaskTypeName)
            {
                return Role.Task;
            }
        }

        return Role.None;
    }
}
