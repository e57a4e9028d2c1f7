using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Capture;

/// <summary>
/// Finds whom a thread blocked in futex waits for, from the futex call and a few bytes of the
/// process's memory, and believes it only when it checks out. glibc's normal mutex parks a waiter
/// with FUTEX_WAIT(uaddr, 2) and keeps the owner's tid 8 bytes further (__owner; the same on
/// x86-64 and arm64); a PI mutex keeps the owner's tid in the futex word itself; pthread_join
/// waits on the joined thread's tid with a shared FUTEX_WAIT_BITSET. Runtime condition variables
/// (CoreCLR, Go) use other shapes and are left alone.
/// </summary>
internal static class FutexOwners
{
    public static FutexOwner? Find(int pid, int tid, SyscallInfo call, ImmutableHashSet<int> tidsOfProcess)
    {
        if (call.Name != "futex" || call.Args.Length < 3)
        {
            return null;
        }
        ulong address = call.Args[0];
        ulong op = call.Args[1];
        ulong value = call.Args[2];
        ulong cmd = FutexOps.Command(op);
        string obj = $"futex:{pid.ToString(CultureInfo.InvariantCulture)}:0x{address.ToString("x", CultureInfo.InvariantCulture)}";

        if (cmd == FutexOps.Wait && value == 2 && ProcessMemory.TryRead(pid, address, 20) is byte[] mutex)
        {
            int word = BinaryPrimitives.ReadInt32LittleEndian(mutex);
            int owner = BinaryPrimitives.ReadInt32LittleEndian(mutex.AsSpan(8));
            int kind = BinaryPrimitives.ReadInt32LittleEndian(mutex.AsSpan(16));
            // Still contended, a plausible kind (normal, recursive, error-checking, adaptive), and an owner that is one of its threads.
            if (word == 2 && (kind & 0x7f) <= 3 && owner != tid && tidsOfProcess.Contains(owner))
            {
                return new FutexOwner(owner, obj, "mutex", $"the glibc mutex at 0x{address:x} is contended (futex word 2) and its __owner field names thread {owner}");
            }
            return null;
        }
        if (cmd is FutexOps.LockPi or FutexOps.LockPi2 && ProcessMemory.TryRead(pid, address, 4) is byte[] pi)
        {
            int owner = (int)(BinaryPrimitives.ReadUInt32LittleEndian(pi) & 0x3fffffff);
            return owner != tid && tidsOfProcess.Contains(owner)
                ? new FutexOwner(owner, obj, "pi-mutex", $"the PI futex word at 0x{address:x} names thread {owner} as owner")
                : null;
        }
        if (cmd == FutexOps.WaitBitset && (op & FutexOps.PrivateFlag) == 0 && value <= int.MaxValue
            && (int)value != tid && tidsOfProcess.Contains((int)value)
            && ProcessMemory.TryRead(pid, address, 4) is byte[] tidWord && BinaryPrimitives.ReadInt32LittleEndian(tidWord) == (int)value)
        {
            return new FutexOwner((int)value, obj, "join", $"it waits on the exit of thread {value} (pthread_join: the futex at 0x{address:x} holds that thread's tid)");
        }
        return null;
    }
}
