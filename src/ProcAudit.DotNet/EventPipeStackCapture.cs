using System.Collections.Immutable;
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Symbols;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Stacks;

namespace ProcAudit.DotNet;

/// <summary>
/// Managed stacks through the target's diagnostics port: a short EventPipe session with the sample profiler and
/// rundown (method names), written to a private temporary directory, parsed with TraceEvent, then deleted.
/// </summary>
/// <remarks>
/// The shape of <c>dotnet-stack report</c>, without its symbol server: frames are named from the rundown's method
/// events, which need no symbols. The sample profiler pauses managed threads for an instant at each sample (about
/// every millisecond) during the window, as the runtime does for a GC; it does not stop the process in the
/// kernel's sense, and threads blocked in native waits are not disturbed.
/// </remarks>
internal static class EventPipeStackCapture
{
    private const string SampleProfilerProvider = "Microsoft-DotNETCore-SampleProfiler";
    private const string ThreadFramePrefix = "Thread (";

    // Buffers are allocated in the target on demand; rundown of a large application needs room.
    private const int CircularBufferMB = 32;

    /// <summary>The frames TraceEvent adds for where a sample landed rather than for a method.</summary>
    private static readonly HashSet<string> s_pseudoFrames = new HashSet<string>(StringComparer.Ordinal)
    {
        "UNMANAGED_CODE_TIME",
        "CPU_TIME",
        "BLOCKED_TIME",
    };

    /// <summary>Captures; every expected failure becomes a status and a note. Runs on a bounded worker thread.</summary>
    public static ManagedStacks Capture(int pid, TimeSpan window, CancellationToken ct)
    {
        TargetProbe probe = TargetProbe.Read(pid);
        switch (probe.State)
        {
            case TargetState.Gone:
                return Result(pid, CaptureStatus.Gone, $"Process {pid} does not exist (it exited, or the pid is wrong).");
            case TargetState.Zombie:
                return Result(pid, CaptureStatus.Gone, $"Process {pid} has exited (a zombie not yet reaped): it has no runtime left to ask for stacks.");
            case TargetState.Denied:
                return Result(
                    pid,
                    CaptureStatus.Denied,
                    $"Process {pid} belongs to another user: its memory map is not readable, and its diagnostics port would refuse us too; run as that user or as root.");
        }

        DirectoryInfo workDirectory = Directory.CreateTempSubdirectory("procaudit-eventpipe-");
        try
        {
            string tracePath = Path.Combine(workDirectory.FullName, "stacks.nettrace");
            ManagedStacks? failure = Record(probe, tracePath, window, ct);
            if (failure is not null)
            {
                return failure;
            }

            ct.ThrowIfCancellationRequested();
            try
            {
                return Parse(pid, tracePath, Path.Combine(workDirectory.FullName, "stacks.etlx"), window);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // TraceEvent throws whatever its reader meets in a truncated or odd trace; the reason that matters
                // is usually that the process went away.
                return TargetProbe.Read(pid).State is TargetState.Gone or TargetState.Zombie
                    ? Result(pid, CaptureStatus.Gone, $"Process {pid} exited during the EventPipe session; its trace was cut short.")
                    : Result(pid, CaptureStatus.Unavailable, $"The EventPipe trace of process {pid} could not be parsed ({ex.GetType().Name}: {ex.Message.TrimEnd('.')}).");
            }
        }
        finally
        {
            DeleteQuietly(workDirectory);
        }
    }

    /// <summary>Runs the session into <paramref name="tracePath"/>; returns a result only when it failed.</summary>
    private static ManagedStacks? Record(TargetProbe probe, string tracePath, TimeSpan window, CancellationToken ct)
    {
        int pid = probe.Pid;
        DiagnosticsClient client = new DiagnosticsClient(pid);
        EventPipeProvider[] providers = [new EventPipeProvider(SampleProfilerProvider, EventLevel.Informational)];
        EventPipeSession session;
        try
        {
            // The client finds the port itself, in the target's TMPDIR (it reads /proc/PID/environ).
            session = client.StartEventPipeSessionAsync(providers, requestRundown: true, CircularBufferMB, ct).GetAwaiter().GetResult();
        }
        catch (ServerNotAvailableException ex) when (probe.CoreClrPath is null)
        {
            return Result(
                pid,
                CaptureStatus.NotDotNet,
                $"Process {pid} is not a .NET (CoreCLR) process: it maps no libcoreclr.so and has no diagnostics port ({ex.Message.TrimEnd('.')}).");
        }
        catch (ServerNotAvailableException ex)
        {
            return Result(
                pid,
                CaptureStatus.Unavailable,
                $"Process {pid} runs .NET but its diagnostics port could not be reached ({ex.Message.TrimEnd('.')}): it may run with DOTNET_EnableDiagnostics=0, in another mount namespace or with a TMPDIR we cannot see, or be still starting up or already shutting down.");
        }
        catch (UnauthorizedAccessException ex)
        {
            return Result(pid, CaptureStatus.Denied, $"The diagnostics port of process {pid} refused us ({ex.Message.TrimEnd('.')}): it belongs to another user; run as that user or as root.");
        }
        catch (Exception ex) when (ex is DiagnosticsClientException or IOException or TimeoutException)
        {
            return Result(pid, CaptureStatus.Unavailable, $"Process {pid} did not start an EventPipe session ({ex.GetType().Name}: {ex.Message.TrimEnd('.')}).");
        }

        Task? copy = null;
        FileStream? file = null;
        try
        {
            file = new FileStream(tracePath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            copy = session.EventStream.CopyToAsync(file, 81920, ct);

            // Sampling: a hung thread shows the same stack in every sample, so a short window is enough.
            ct.WaitHandle.WaitOne(window);
            ct.ThrowIfCancellationRequested();

            // Stopping makes the runtime write the rundown (method names), then close the stream.
            session.StopAsync(ct).GetAwaiter().GetResult();
            copy.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex) when (ex is DiagnosticsClientException or IOException or ObjectDisposedException)
        {
            TargetProbe now = TargetProbe.Read(pid);
            if (now.State is TargetState.Gone or TargetState.Zombie)
            {
                return Result(pid, CaptureStatus.Gone, $"Process {pid} exited during the EventPipe session.");
            }

            return Result(pid, CaptureStatus.Unavailable, $"The EventPipe session with process {pid} broke off ({ex.GetType().Name}: {ex.Message.TrimEnd('.')}).");
        }
        finally
        {
            // Closing the session's socket also ends the session in the target if Stop never got through.
            session.Dispose();
            WaitQuietly(copy);
            file?.Dispose();
        }
    }

    private static ManagedStacks Parse(int pid, string tracePath, string etlxPath, TimeSpan window)
    {
        List<string> notes = new List<string>();
        string etlx = TraceLog.CreateFromEventPipeDataFile(tracePath, etlxPath);
        using TraceLog log = new TraceLog(etlx);

        // An empty symbol path and cache-only: the rundown names managed frames, and nothing may go to the network.
        using SymbolReader symbols = new SymbolReader(TextWriter.Null, string.Empty) { Options = SymbolReaderOptions.CacheOnly };
        MutableTraceEventStackSource source = new MutableTraceEventStackSource(log) { OnlyManagedCodeStacks = true };
        SampleProfilerThreadTimeComputer computer = new SampleProfilerThreadTimeComputer(log, symbols);
        computer.GenerateThreadTimeStacks(source);

        // The latest sample of each thread: the state it is in now, past whatever it did when the window opened.
        Dictionary<int, (double Time, StackSourceCallStackIndex Stack)> latest = new Dictionary<int, (double, StackSourceCallStackIndex)>();
        source.ForEach(sample =>
        {
            int? tid = FindThreadId(source, sample.StackIndex);
            if (tid is int osThreadId
                && (!latest.TryGetValue(osThreadId, out (double Time, StackSourceCallStackIndex Stack) seen) || sample.TimeRelativeMSec >= seen.Time))
            {
                latest[osThreadId] = (sample.TimeRelativeMSec, sample.StackIndex);
            }
        });

        ImmutableArray<ManagedThreadStack>.Builder threads = ImmutableArray.CreateBuilder<ManagedThreadStack>(latest.Count);
        foreach (KeyValuePair<int, (double Time, StackSourceCallStackIndex Stack)> entry in latest.OrderBy(static e => e.Key))
        {
            threads.Add(new ManagedThreadStack
            {
                OsThreadId = entry.Key,
                Frames = FramesOf(source, entry.Value.Stack),
            });
        }

        if (threads.Count == 0)
        {
            notes.Add(
                $"The EventPipe session with process {pid} recorded no managed stack samples in {window.TotalMilliseconds:0} ms: no thread had managed frames, or the runtime is paused (e.g. waiting at startup for a diagnostics client).");
        }

        return new ManagedStacks
        {
            Pid = pid,
            Status = CaptureStatus.Captured,
            Threads = threads.MoveToImmutable(),
            Notes = notes.ToImmutableArray(),
        };
    }

    /// <summary>The OS thread id from the "Thread (TID)" frame TraceEvent puts above each stack.</summary>
    private static int? FindThreadId(StackSource source, StackSourceCallStackIndex stack)
    {
        for (StackSourceCallStackIndex index = stack; index != StackSourceCallStackIndex.Invalid; index = source.GetCallerIndex(index))
        {
            int? tid = ParseThreadFrame(source.GetFrameName(source.GetFrameIndex(index), false));
            if (tid is not null)
            {
                return tid;
            }
        }

        return null;
    }

    /// <summary>Parses "Thread (4008)" or "Thread (4008) (.NET TP Worker)"; null for any other frame.</summary>
    internal static int? ParseThreadFrame(string frame)
    {
        if (!frame.StartsWith(ThreadFramePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        int close = frame.IndexOf(')', ThreadFramePrefix.Length);
        return close > ThreadFramePrefix.Length
            && int.TryParse(frame.AsSpan(ThreadFramePrefix.Length, close - ThreadFramePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int tid)
            ? tid
            : null;
    }

    private static ImmutableArray<string> FramesOf(StackSource source, StackSourceCallStackIndex stack)
    {
        ImmutableArray<string>.Builder frames = ImmutableArray.CreateBuilder<string>();
        for (StackSourceCallStackIndex index = stack; index != StackSourceCallStackIndex.Invalid; index = source.GetCallerIndex(index))
        {
            string name = source.GetFrameName(source.GetFrameIndex(index), false);
            if (ParseThreadFrame(name) is not null)
            {
                // Everything above the thread frame is TraceEvent's grouping (threads, activities, process).
                break;
            }

            if (!s_pseudoFrames.Contains(name))
            {
                frames.Add(FrameNames.Normalize(name));
            }
        }

        return frames.ToImmutable();
    }

    private static ManagedStacks Result(int pid, CaptureStatus status, string note)
    {
        return new ManagedStacks { Pid = pid, Status = status, Notes = [note] };
    }

    private static void WaitQuietly(Task? task)
    {
        if (task is null)
        {
            return;
        }

        // The copy fails when the session is torn down under it; the caller already chose the outcome, so the
        // failure is only observed, now or whenever the copy ends.
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        try
        {
            task.Wait(TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
            // Observed above.
        }
    }

    private static void DeleteQuietly(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temporary directory left behind is not worth failing a capture for.
        }
    }
}
