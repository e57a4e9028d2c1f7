namespace ProcAudit.DotNet;

/// <summary>
/// Whether the EventPipe sample of managed stacks is worth its cost (about a second with the rundown, and a pause
/// of managed code at each sample) once ClrMD has read the locks: ClrMD unwinds every thread stopped in a runtime
/// transition, which is every thread a hang blocks (in a wait, a sleep, a P/Invoke), but not one running managed
/// code. Only such a thread, or a failed ClrMD read, needs the sample.
/// </summary>
internal static class StackSampling
{
    /// <summary>True when ClrMD's read failed, or a thread the kernel shows running is managed yet has no frames from it.</summary>
    public static bool Needed(ProcessInfo process, ManagedLocks locks)
    {
        if (locks.Status != CaptureStatus.Captured)
        {
            return true;
        }

        return process.Threads.Any(thread => thread.State == "R" && locks.FindThread(thread.Tid) is { Frames.IsDefaultOrEmpty: true });
    }
}
