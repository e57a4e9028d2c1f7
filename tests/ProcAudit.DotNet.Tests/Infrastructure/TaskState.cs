namespace ProcAudit.DotNet.Tests.Infrastructure;

/// <summary>One thread as /proc/PID/task/TID shows it.</summary>
/// <param name="Tid">Thread id (the main thread's equals the pid).</param>
/// <param name="Comm">Its comm: .NET sets it to the managed thread name cut to 15 bytes.</param>
/// <param name="State">The kernel's state letter.</param>
/// <param name="Syscall">The syscall number it is blocked in; null when it runs or it could not be read.</param>
/// <param name="ContextSwitches">Voluntary plus involuntary context switches so far.</param>
internal readonly record struct TaskState(int Tid, string Comm, char State, int? Syscall, long ContextSwitches);
