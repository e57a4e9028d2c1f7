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
    /// <param name="runningThreads">The threads the audit's last look saw running.</param>
    /// <param name="locks">ClrMD's read, with the frames of every thread it could unwind.</param>
    public static bool Needed(IReadOnlyCollection<int> runningThreads, ManagedLocks locks)
    {
        if (locks.Status != CaptureStatus.Captured)
        {
            return true;
        }

        return runningThreads.Any(tid => locks.FindThread(tid) is { Frames.IsDefaultOrEmpty: true });
    }
}
