using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Attaches ClrMD to a live process without suspending it and hands the runtime to a reader: ClrMD then reads
/// through process_vm_readv and attaches to nothing, so the target never stops. Shared by every heap-level view
/// (locks, async flows) so that each says the same thing about the same failure.
/// </summary>
/// <remarks>
/// The DAC is always the one beside the target's own <c>libcoreclr.so</c>, loaded with <c>ignoreMismatch</c>: ClrMD
/// cannot read the runtime's version from a live process here (it reports 0.0), so its own lookup finds no matching
/// DAC (measured: "Could not find matching DAC for this runtime", symbol server download disabled on Linux).
/// </remarks>
internal static class ClrMdAttach
{
    /// <summary>
    /// Runs <paramref name="read"/> on the attached runtime; every expected failure goes to <paramref name="fail"/>
    /// as a status and a sentence. <paramref name="what"/> names the view in those sentences ("locks").
    /// </summary>
    public static T Run<T>(int pid, string what, Func<ClrRuntime, T> read, Func<CaptureStatus, string, T> fail, CancellationToken ct)
    {
        // One attach at a time in a process: the DAC is one native library with global state, loaded once for
        // every target of a runtime version, and two DataTargets using it from two threads crashed the test host
        // here. Callers are bounded in time (BoundedRun), so a stuck read makes the next one time out, not hang.
        lock (s_dac)
        {
            return RunAlone(pid, what, read, fail, ct);
        }
    }

    private static readonly object s_dac = new();

    private static T RunAlone<T>(int pid, string what, Func<ClrRuntime, T> read, Func<CaptureStatus, string, T> fail, CancellationToken ct)
    {
        TargetProbe probe = TargetProbe.Read(pid);
        switch (probe.State)
        {
            case TargetState.Gone:
                return fail(CaptureStatus.Gone, $"Process {pid} does not exist (it exited, or the pid is wrong).");
            case TargetState.Zombie:
                return fail(CaptureStatus.Gone, $"Process {pid} has exited (a zombie not yet reaped): it has no managed heap left to read.");
            case TargetState.Denied:
                return fail(CaptureStatus.Denied, $"Process {pid} belongs to another user: its memory is not ours to read; run as that user or as root.");
        }

        if (probe.CoreClrPath is null)
        {
            return fail(
                CaptureStatus.NotDotNet,
                $"Process {pid} maps no libcoreclr.so: it is not a CoreCLR process (or a single-file or Native AOT app, whose {what} ClrMD cannot read this way).");
        }

        string dacPath = probe.DacPath!;
        if (!File.Exists(dacPath))
        {
            return fail(
                CaptureStatus.Unavailable,
                $"There is no libmscordaccore.so beside {probe.CoreClrPath}: reading {what} needs the DAC of the target's own runtime, and ClrMD's own lookup does not find one for a live process.");
        }

        DataTarget target;
        try
        {
            target = DataTarget.AttachToProcess(pid, suspend: false);
        }
        catch (UnauthorizedAccessException ex)
        {
            return fail(CaptureStatus.Denied, $"Reading the memory of process {pid} was refused ({ex.Message.TrimEnd('.')}): it belongs to another user, or ptrace is restricted (kernel.yama.ptrace_scope); run as root.");
        }
        catch (Exception ex) when (ex is ArgumentException or ClrDiagnosticsException or IOException or InvalidOperationException)
        {
            if (TargetProbe.Read(pid).State is TargetState.Gone or TargetState.Zombie)
            {
                return fail(CaptureStatus.Gone, $"Process {pid} exited while ClrMD attached to it.");
            }

            return fail(CaptureStatus.Unavailable, $"ClrMD could not attach to process {pid} ({ex.GetType().Name}: {ex.Message.TrimEnd('.')}).");
        }

        using (target)
        using (DataTarget cached = new DataTarget(new ChunkCachingReader(target.DataReader), new DataTargetOptions()))
        {
            ct.ThrowIfCancellationRequested();
            ClrInfo? clr = FindCoreClr(cached, probe.CoreClrPath);
            if (clr is null)
            {
                return fail(CaptureStatus.Unavailable, $"ClrMD found no CoreCLR runtime in process {pid}, although it maps {probe.CoreClrPath}: the runtime may still be starting or already shutting down.");
            }

            ClrRuntime runtime;
            try
            {
                runtime = clr.CreateRuntime(dacPath, ignoreMismatch: true);
            }
            catch (Exception ex) when (ex is ClrDiagnosticsException or IOException or InvalidOperationException or DllNotFoundException or BadImageFormatException)
            {
                return fail(
                    CaptureStatus.Unavailable,
                    $"The DAC {dacPath} did not load for process {pid} ({ex.GetType().Name}: {ex.Message.TrimEnd('.')}): the runtime may be too old or too new for this ClrMD, or be shutting down.");
            }

            using (runtime)
            {
                try
                {
                    return read(runtime);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && TargetProbe.Read(pid).State is TargetState.Gone or TargetState.Zombie)
                {
                    // Reads of a vanished process fail in whatever way the DAC meets them; only the cause matters.
                    return fail(CaptureStatus.Gone, $"Process {pid} exited while its {what} were read.");
                }
            }
        }
    }

    private static ClrInfo? FindCoreClr(DataTarget target, string coreClrPath)
    {
        ClrInfo? any = null;
        foreach (ClrInfo info in target.ClrVersions)
        {
            if (info.Flavor != ClrFlavor.Core)
            {
                continue;
            }

            if (string.Equals(info.ModuleInfo.FileName, coreClrPath, StringComparison.Ordinal))
            {
                return info;
            }

            any ??= info;
        }

        return any;
    }
}
