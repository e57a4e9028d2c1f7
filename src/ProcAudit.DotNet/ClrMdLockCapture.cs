using System.Collections.Immutable;
using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Lock owners and waiters (monitors and System.Threading.Lock) read from the target's memory with ClrMD, attached
/// without suspending: ClrMD then
/// reads through process_vm_readv and attaches to nothing, so the target never stops. Threads blocked in a runtime
/// wait unwind from the frames the runtime left on their stacks, which is all a hang needs.
/// </summary>
/// <remarks>Attaching, the DAC and their failures are <see cref="ClrMdAttach"/>'s.</remarks>
internal static class ClrMdLockCapture
{
    private const string MonitorTypeName = "System.Threading.Monitor";
    private const string ThreadingLockTypeName = "System.Threading.Lock";
    private const string ThreadingNamespace = "System.Threading.";
    private const int MaxFramesPerThread = 512;

    /// <summary>Captures; every expected failure becomes a status and a note. Runs on a bounded worker thread.</summary>
    public static ManagedLocks Capture(int pid, CancellationToken ct)
    {
        return ClrMdAttach.Run(
            pid,
            "locks",
            runtime => Read(pid, runtime, ct),
            (status, note) => Result(pid, status, note),
            ct);
    }

    private static ManagedLocks Read(int pid, ClrRuntime runtime, CancellationToken ct)
    {
        List<string> notes = new List<string>();
        ClrHeap heap = runtime.Heap;

        Dictionary<ulong, ClrThread> threadsByAddress = new Dictionary<ulong, ClrThread>();
        List<ClrThread> liveThreads = new List<ClrThread>();
        foreach (ClrThread thread in runtime.Threads)
        {
            threadsByAddress[thread.Address] = thread;
            if (thread.IsAlive && thread.OSThreadId != 0)
            {
                liveThreads.Add(thread);
            }
        }

        liveThreads.Sort(static (a, b) => a.OSThreadId.CompareTo(b.OSThreadId));

        // Every contended monitor is inflated to a sync block, so these are all the locks anyone can wait for.
        Dictionary<ulong, LockDraft> locks = new Dictionary<ulong, LockDraft>();
        foreach (SyncBlock syncBlock in heap.EnumerateSyncBlocks())
        {
            ct.ThrowIfCancellationRequested();
            if (!syncBlock.IsMonitorHeld || syncBlock.Object == 0)
            {
                continue;
            }

            ClrThread? owner = threadsByAddress.TryGetValue(syncBlock.HoldingThreadAddress, out ClrThread? found) && found.IsAlive ? found : null;
            LockDraft draft = new LockDraft(syncBlock.Object, heap.GetObjectType(syncBlock.Object)?.Name, MonitorLockKind.SyncBlock, owner, syncBlock.RecursionCount);
            locks[syncBlock.Object] = draft;
            if (owner is null)
            {
                notes.Add(
                    $"The monitor on {draft.TypeName ?? "an object"} at 0x{syncBlock.Object:x} is held by a thread that is no longer alive (an orphaned lock): nobody can release it.");
            }
        }

        // Unwind every thread once: its frames and its stack roots serve the stacks, the thin locks and the waits.
        List<ThreadView> views = new List<ThreadView>(liveThreads.Count);
        foreach (ClrThread thread in liveThreads)
        {
            ct.ThrowIfCancellationRequested();
            views.Add(Unwind(thread, notes));
        }

        // A thin lock lives in the object header and a System.Threading.Lock in its own fields; neither is listed
        // anywhere. The objects a thread's stack refers to are the ones worth checking: an owner keeps its lock
        // object live until it exits, and a waiter holds the one it waits for.
        Dictionary<uint, ClrThread> threadsById = ThreadsById(liveThreads);
        foreach (ThreadView view in views)
        {
            foreach (ClrStackRoot root in view.Roots)
            {
                ulong address = root.Object.Address;
                if (address == 0 || locks.ContainsKey(address))
                {
                    continue;
                }

                LockDraft? draft = root.Object.Type?.Name == ThreadingLockTypeName
                    ? ReadThreadingLock(root.Object, threadsById, notes)
                    : ReadThinLock(root.Object);
                if (draft is not null)
                {
                    locks[address] = draft;
                }
            }
        }

        foreach (ThreadView view in views)
        {
            ct.ThrowIfCancellationRequested();
            FindAwaitedLock(view, locks, notes);
        }

        ImmutableArray<MonitorLock> result = locks.Values
            .OrderBy(static draft => draft.ObjectAddress)
            .Select(static draft => draft.ToLock())
            .ToImmutableArray();
        ImmutableArray<ManagedThreadStack> stacks = views
            .Select(static view => new ManagedThreadStack
            {
                OsThreadId = (int)view.Thread.OSThreadId,
                ManagedThreadId = view.Thread.ManagedThreadId,
                Frames = view.Frames
                    .Where(static frame => frame.Method is not null)
                    .Select(static frame => FrameNames.Normalize(SignatureOf(frame.Method!)))
                    .ToImmutableArray(),
            })
            .ToImmutableArray();

        return new ManagedLocks
        {
            Pid = pid,
            Status = CaptureStatus.Captured,
            Locks = result,
            Threads = stacks,
            Suspended = false,
            Notes = notes.ToImmutableArray(),
        };
    }

    /// <summary>One thread's frames and stack roots; none when it cannot be unwound without stopping it.</summary>
    internal static ThreadView Unwind(ClrThread thread, List<string> notes)
    {
        List<ClrStackFrame> frames = new List<ClrStackFrame>();
        List<ClrStackRoot> roots = new List<ClrStackRoot>();
        try
        {
            frames.AddRange(thread.EnumerateStackTrace(false, MaxFramesPerThread));

            // Without stopping the thread there are no registers, so the unwind must start from a transition frame
            // the runtime pushed when the thread left managed code (a P/Invoke, a runtime wait): every thread of a
            // hang has one. A stack that starts with a managed method was unwound from no real context; measured
            // here, such a stack pointed into another thread's stack. Its frames and roots are not this thread's.
            if (frames.Count > 0 && frames[0].Kind != ClrStackFrameKind.Runtime)
            {
                return new ThreadView(thread, new List<ClrStackFrame>(), roots);
            }

            foreach (ClrStackRoot root in thread.EnumerateStackRoots())
            {
                if (!root.IsInterior)
                {
                    roots.Add(root);
                }
            }
        }
        catch (Exception ex) when (ex is ClrDiagnosticsException or InvalidOperationException or IOException or OverflowException)
        {
            // A running thread's stack can change under a reader that does not stop it; keep what was read.
            notes.Add($"The managed stack of thread {thread.OSThreadId} could not be fully unwound ({ex.GetType().Name}: {ex.Message.TrimEnd('.')}).");
        }

        return new ThreadView(thread, frames, roots);
    }

    /// <summary>
    /// When the thread is blocked entering a monitor or a System.Threading.Lock, finds the object it waits for and
    /// records the thread as its waiter. The object is the stack root in the entering frames (the slow path keeps it
    /// live); when those frames report none, the caller's roots are used if exactly one of them is a lock held by
    /// another thread.
    /// </summary>
    private static void FindAwaitedLock(ThreadView view, Dictionary<ulong, LockDraft> locks, List<string> notes)
    {
        List<ClrStackFrame> managed = view.Frames.Where(static frame => frame.Method is not null).ToList();

        // Above the entering frames there may only be the runtime's own waiting (Lock waits on an event through
        // WaitHandle); anything else means the thread is doing something other than entering a lock.
        int first = 0;
        while (first < managed.Count && !IsEntering(managed[first].Method) && IsThreading(managed[first].Method))
        {
            first++;
        }

        int afterEntering = first;
        while (afterEntering < managed.Count && IsEntering(managed[afterEntering].Method))
        {
            afterEntering++;
        }

        if (afterEntering == first)
        {
            return;
        }

        int tid = (int)view.Thread.OSThreadId;
        ClrStackFrame? caller = afterEntering < managed.Count ? managed[afterEntering] : null;
        LockDraft? awaited = PickHeldByOther(view, locks, static root => IsEntering(root.StackFrame?.Method));
        if (awaited is null && caller is not null)
        {
            List<LockDraft> inCaller = view.Roots
                .Where(root => root.StackFrame is ClrStackFrame frame && frame.StackPointer == caller.StackPointer)
                .Select(root => locks.TryGetValue(root.Object.Address, out LockDraft? draft) ? draft : null)
                .OfType<LockDraft>()
                .Where(draft => draft.Owner is null || draft.Owner.OSThreadId != view.Thread.OSThreadId)
                .Distinct()
                .ToList();
            if (inCaller.Count == 1)
            {
                awaited = inCaller[0];
            }
        }

        if (awaited is null)
        {
            notes.Add($"Thread {tid} is entering a lock, but no lock held by another thread was found among the objects on its stack (it may have been released just now).");
            return;
        }

        awaited.Waiters.Add(new MonitorWaiter
        {
            OsThreadId = tid,
            ManagedThreadId = view.Thread.ManagedThreadId,
            Frame = caller?.Method is ClrMethod method ? FrameNames.Normalize(SignatureOf(method)) : null,
        });
    }

    private static LockDraft? PickHeldByOther(ThreadView view, Dictionary<ulong, LockDraft> locks, Func<ClrStackRoot, bool> where)
    {
        foreach (ClrStackRoot root in view.Roots)
        {
            if (where(root)
                && locks.TryGetValue(root.Object.Address, out LockDraft? draft)
                && (draft.Owner is null || draft.Owner.OSThreadId != view.Thread.OSThreadId))
            {
                return draft;
            }
        }

        return null;
    }

    /// <summary>A frame that enters a lock: <c>Monitor.Enter</c> and its slow paths, or <c>Lock.Enter</c>/<c>EnterScope</c> and theirs.</summary>
    private static bool IsEntering(ClrMethod? method)
    {
        return method?.Type?.Name is MonitorTypeName or ThreadingLockTypeName
            && method.Name is string name
            && name.Contains("Enter", StringComparison.Ordinal);
    }

    private static bool IsThreading(ClrMethod? method)
    {
        return method?.Type?.Name is string type && type.StartsWith(ThreadingNamespace, StringComparison.Ordinal);
    }

    private static LockDraft? ReadThinLock(ClrObject obj)
    {
        ClrThinLock? thinLock;
        try
        {
            thinLock = obj.GetThinLock();
        }
        catch (Exception ex) when (ex is ClrDiagnosticsException or InvalidOperationException or IOException)
        {
            // The header of a live object can change between reads; it is not a lock we can report.
            return null;
        }

        return thinLock?.Thread is ClrThread owner
            ? new LockDraft(obj.Address, obj.Type?.Name, MonitorLockKind.ThinLock, owner, thinLock.Recursion + 1)
            : null;
    }

    /// <summary>A held System.Threading.Lock (.NET 9+): its owner is in its own fields, not in a sync block.</summary>
    private static LockDraft? ReadThreadingLock(ClrObject obj, Dictionary<uint, ClrThread> threadsById, List<string> notes)
    {
        uint ownerId;
        uint recursion;
        try
        {
            ownerId = obj.ReadField<uint>("_owningThreadId");
            recursion = obj.ReadField<uint>("_recursionCount");
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ClrDiagnosticsException or IOException)
        {
            // Another runtime version may lay the type out differently: say so once per object, keep the rest.
            notes.Add($"The System.Threading.Lock at 0x{obj.Address:x} could not be read ({ex.GetType().Name}: {ex.Message.TrimEnd('.')}).");
            return null;
        }

        if (ownerId == 0)
        {
            return null;
        }

        ClrThread? owner = threadsById.TryGetValue(ownerId, out ClrThread? found) ? found : null;
        if (owner is null)
        {
            notes.Add($"The System.Threading.Lock at 0x{obj.Address:x} is held by thread id {ownerId}, which is no longer alive (an orphaned lock): nobody can release it.");
        }

        return new LockDraft(obj.Address, obj.Type?.Name, MonitorLockKind.ThreadingLock, owner, (int)recursion + 1);
    }

    /// <summary>
    /// Live threads by the id a System.Threading.Lock records for its owner. Measured on CoreCLR 10 that is the OS
    /// thread id; the managed thread id (what Native AOT records) is the fallback. Managed ids are small and OS
    /// ids of user threads are not, so the two do not collide in practice; an OS id wins if they ever do.
    /// </summary>
    private static Dictionary<uint, ClrThread> ThreadsById(List<ClrThread> liveThreads)
    {
        Dictionary<uint, ClrThread> byId = new Dictionary<uint, ClrThread>();
        foreach (ClrThread thread in liveThreads)
        {
            if (thread.ManagedThreadId > 0)
            {
                byId[(uint)thread.ManagedThreadId] = thread;
            }
        }

        foreach (ClrThread thread in liveThreads)
        {
            byId[thread.OSThreadId] = thread;
        }

        return byId;
    }

    private static string SignatureOf(ClrMethod method)
    {
        return method.Signature ?? $"{method.Type?.Name ?? "?"}.{method.Name ?? "?"}";
    }

    private static ManagedLocks Result(int pid, CaptureStatus status, string note)
    {
        return new ManagedLocks { Pid = pid, Status = status, Notes = [note] };
    }
}
