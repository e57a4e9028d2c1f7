using System.Diagnostics;
using System.Text;

namespace ProcAudit.Scenarios;

/// <summary>
/// Programs that hang on purpose so that integration tests have real, reproducible
/// process trees to audit. Every verb either blocks forever or runs forever; the test
/// launcher kills the whole tree. Nothing is printed to the program's own stdout, because
/// the audited state must come from the pipes between parent and child, not from noise.
/// </summary>
internal static class Program
{
    // Four times the default Linux pipe capacity (64 KiB), so the writer is guaranteed to
    // block whatever the pipe size, while staying small enough to be written in an instant.
    private const int FloodBytes = 256 * 1024;
    private const int ChunkBytes = 4 * 1024;

    private static int Main(string[] args)
    {
        if (args.Length != 1 && !(args.Length == 2 && args[0] == "sink"))
        {
            return Usage();
        }

        switch (args[0])
        {
            case "pipe-inversion":
                PipeInversion();
                break;
            case "flood-stderr":
                FloodStderr();
                return 0;
            case "wait-before-drain":
                WaitBeforeDrain();
                break;
            case "flood-stdout":
                FloodStdout();
                return 0;
            case "healthy":
                Healthy();
                break;
            case "chatter":
                Chatter();
                break;
            case "sleep":
                break;
            case "queue-chain":
                QueueChain.Run();
                break;
            case "sink":
                QueueChain.Sink(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "lock-order-inversion":
                LockOrderInversion.Run();
                break;
            case "monitor-held":
                MonitorHeld.Run();
                break;
            case "threading-lock-inversion":
                ThreadingLockInversion.Run();
                break;
            case "wait-for-exit-background":
                Verdicts.WaitForExitWithBackgroundGrandchild();
                break;
            case "idle-server":
                Verdicts.IdleServer();
                break;
            case "timer-loop":
                Verdicts.TimerLoop();
                break;
            case "async-abba":
                AsyncFlows.Abba();
                break;
            case "async-promise":
                AsyncFlows.Promise();
                break;
            case "async-sync-over-async":
                AsyncFlows.SyncOverAsync();
                break;
            case "async-full-channel":
                AsyncFlows.FullChannel();
                break;
            case "async-channel-peer":
                AsyncFlows.FullChannelToPeer();
                break;
            case "async-idle-server":
                AsyncFlows.IdleServer();
                break;
            case "async-timer-loop":
                AsyncFlows.TimerLoop();
                break;
            case "async-busy-pipeline":
                AsyncFlows.BusyPipeline();
                break;
            case "async-many":
                AsyncFlows.Many();
                break;
            case "pool-starvation":
                ThreadPoolScenarios.Starvation();
                break;
            case "pool-busy":
                ThreadPoolScenarios.Busy();
                break;
            case "managed-spin":
                BusyThread.Spin();
                break;
            case "sync-context-deadlock":
                SyncContextScenarios.Deadlock();
                break;
            case "sync-context-configured":
                SyncContextScenarios.ConfiguredAwait();
                break;
            default:
                return Usage();
        }

        // Parents should never get here while the child is blocked, but if the scenario
        // ever unblocks the process must still stay alive so the test observes a tree, not
        // a race with process exit.
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine(
            "usage: ProcAudit.Scenarios pipe-inversion|wait-before-drain|healthy|sleep|lock-order-inversion|monitor-held|threading-lock-inversion|queue-chain "
            + "|wait-for-exit-background|idle-server|timer-loop "
            + "|async-abba|async-promise|async-sync-over-async|async-full-channel|async-channel-peer|async-idle-server|async-timer-loop|async-busy-pipeline|async-many|pool-starvation|pool-busy|managed-spin|sync-context-deadlock|sync-context-configured "
            + "(children: flood-stderr|flood-stdout|chatter)");
        return 2;
    }

    /// <summary>
    /// The classic deadlock: the parent drains stdout to EOF before touching stderr, while
    /// the child fills stderr and never closes stdout.
    /// </summary>
    private static void PipeInversion()
    {
        using Process child = StartSelf("flood-stderr", redirectStdout: true, redirectStderr: true);
        child.StandardOutput.ReadToEnd();
        child.StandardError.ReadToEnd();
    }

    private static void FloodStderr()
    {
        Flood(Console.OpenStandardError(), 'e');
        using Stream stdout = Console.OpenStandardOutput();
        byte[] done = Encoding.ASCII.GetBytes("done\n");
        stdout.Write(done, 0, done.Length);
        stdout.Flush();
    }

    /// <summary>
    /// The other classic deadlock: the parent waits for exit before draining, while the
    /// child cannot exit because the stdout pipe is full.
    /// </summary>
    private static void WaitBeforeDrain()
    {
        using Process child = StartSelf("flood-stdout", redirectStdout: true, redirectStderr: false);
        child.WaitForExit();
        child.StandardOutput.ReadToEnd();
    }

    private static void FloodStdout()
    {
        Flood(Console.OpenStandardOutput(), 'o');
    }

    /// <summary>
    /// The control case: same shape of tree, but both pipes are drained asynchronously, so
    /// neither side ever stays blocked.
    /// </summary>
    private static void Healthy()
    {
        // Deliberately not disposed: the parent runs until it is killed, and disposing
        // would only race with the asynchronous readers.
        Process child = StartSelf("chatter", redirectStdout: true, redirectStderr: true);
        child.OutputDataReceived += static (_, _) => { };
        child.ErrorDataReceived += static (_, _) => { };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
    }

    private static void Chatter()
    {
        using Stream stdout = Console.OpenStandardOutput();
        using Stream stderr = Console.OpenStandardError();
        long line = 0;
        byte[] batchOut = new byte[ChunkBytes];
        byte[] batchErr = new byte[ChunkBytes];
        while (true)
        {
            int outLength = FillLines(batchOut, "out", ref line);
            int errLength = FillLines(batchErr, "err", ref line);
            stdout.Write(batchOut, 0, outLength);
            stdout.Flush();
            stderr.Write(batchErr, 0, errLength);
            stderr.Flush();

            // ~4 KiB per stream every 10 ms is a few hundred KB/s: busy enough that the
            // pipes are visibly moving, light enough not to load the test machine.
            Thread.Sleep(10);
        }
    }

    private static int FillLines(byte[] buffer, string stream, ref long line)
    {
        int length = 0;
        while (true)
        {
            byte[] text = Encoding.ASCII.GetBytes(
                $"{stream} line {line} the quick brown fox jumps over the lazy dog\n");
            if (length + text.Length > buffer.Length)
            {
                return length;
            }

            text.CopyTo(buffer, length);
            length += text.Length;
            line++;
        }
    }

    private static void Flood(Stream target, char fill)
    {
        byte[] chunk = new byte[ChunkBytes];
        Array.Fill(chunk, (byte)fill);
        chunk[^1] = (byte)'\n';
        using (target)
        {
            for (int written = 0; written < FloodBytes; written += ChunkBytes)
            {
                target.Write(chunk, 0, chunk.Length);
            }

            target.Flush();
        }
    }

    internal static Process StartSelf(string verb, bool redirectStdout, bool redirectStderr, params string[] extra)
    {
        string processPath = Environment.ProcessPath
            ?? throw new InvalidOperationException("cannot determine the path of the running executable");
        ProcessStartInfo startInfo = new ProcessStartInfo(processPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = redirectStdout,
            RedirectStandardError = redirectStderr,
        };

        // Under `dotnet ProcAudit.Scenarios.dll` the running executable is the host, which
        // needs the application to run; under the apphost the executable is the application.
        if (string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.Ordinal))
        {
            startInfo.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        startInfo.ArgumentList.Add(verb);
        foreach (string arg in extra)
        {
            startInfo.ArgumentList.Add(arg);
        }
        return Process.Start(startInfo)
            ?? throw new InvalidOperationException($"failed to start child verb {verb}");
    }
}
