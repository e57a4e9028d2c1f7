using System.Collections.Immutable;
using System.Reflection;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Profile;

/// <summary>
/// Calls the private steps of <see cref="ProcessTreeCapture"/> one by one (by reflection, so the
/// profile times the real code and needs no copy of it), for the per-tree part of a capture.
/// A step whose method changed shape is reported as not measured rather than failing the run.
/// </summary>
internal sealed class CaptureParts
{
    private readonly object _capture;
    private readonly Type _type = typeof(ProcessTreeCapture);

    public CaptureParts(ProcfsReader procfs)
    {
        ConstructorInfo ctor = _type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Single();
        object?[] args = ctor.GetParameters().Select(p => p.ParameterType switch
        {
            Type t when t == typeof(ProcfsReader) => procfs,
            Type t when t == typeof(IPipeProbe) => new LivePipeProbe(),
            Type t when t == typeof(SyscallArch) => SyscallTable.Current ?? SyscallArch.X64,
            Type t when t == typeof(bool) => true, // live
            Type t when t == typeof(AuditOptions) => new AuditOptions { Interval = TimeSpan.Zero },
            _ => p.HasDefaultValue ? p.DefaultValue : null,
        }).ToArray();
        _capture = ctor.Invoke(args);
    }

    public object? Call(string name, params object?[] args)
    {
        MethodInfo method = _type.GetMethods(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Single(m => m.Name == name && m.GetParameters().Length == args.Length);
        try
        {
            return method.Invoke(method.IsStatic ? null : _capture, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>The tree's fds (with fdinfo) and threads, as phase 1 of a capture reads them.</summary>
    public (Dictionary<int, List<FdInfo>> Fds, Dictionary<int, ImmutableArray<ThreadInfo>> Threads) ReadTree(IEnumerable<int> tree)
    {
        Dictionary<int, List<FdInfo>> fds = new();
        Dictionary<int, ImmutableArray<ThreadInfo>> threads = new();
        foreach (int pid in tree)
        {
            fds[pid] = (List<FdInfo>)Call("ReadFds", pid, true)!;
            threads[pid] = (ImmutableArray<ThreadInfo>)Call("ReadThreads", pid, fds[pid])!;
        }
        return (fds, threads);
    }
}
