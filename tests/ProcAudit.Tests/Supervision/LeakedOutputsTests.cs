using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ProcAudit.Supervision;

namespace ProcAudit.Tests.Supervision;

/// <summary>What a supervised run says when the command has exited but something it left behind holds its output open.</summary>
public sealed class LeakedOutputsTests
{
    [Fact]
    public void A_background_process_left_holding_both_streams_gets_the_leaked_write_end_sentence_and_fix()
    {
        // `sleep 27` inherits the command's stdout and stderr and outlives it; its pid is the command's only output.
        ProcessStartInfo start = new("sh") { ArgumentList = { "-c", "sleep 27 & echo $!" } };
        List<string> lines = new();
        LeakedOutput? leak = null;
        SupervisedRun run = new(start, new SupervisionOptions
        {
            OnOutputLine = (line, _) => { lock (lines) { lines.Add(line); } },
            StopWaitingAfterExit = TimeSpan.FromSeconds(2),
            OnLeakedOutput = l => leak = l,
        });
        SupervisionResult result;
        int sleep;
        try
        {
            result = run.Run();
        }
        finally
        {
            sleep = lines.Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : 0).FirstOrDefault();
            KillIfStillOurSleep(sleep);
        }

        Assert.Equal(SupervisionEnd.StoppedWaiting, result.End);
        Assert.True(sleep > 0, $"the command printed no pid: {string.Join(" | ", lines)}");
        Assert.NotNull(leak);
        // The sentence an audit gives a reader waiting for the same EOF (StallFinder's), with the supervisor as the
        // waiter and both streams; the orphan clause depends on who adopted the sleep (pid 1, or a subreaper).
        string pipe = @"\(fd \d+, pipe:\[\d+\], empty\)";
        Assert.Matches(
            new Regex(
                $@"^The command exited \d+\.\d s ago: \S+ {Environment.ProcessId} waits for EOF on stdout {pipe} and stderr {pipe}, " +
                $@"but sleep {sleep} \(`sleep 27`\), (an orphan \(its parent is now pid 1\) )?still holds their write ends as fds 1 and 2, so EOF never comes\. " +
                $@"Fix: Stop sleep {sleep}, or start background processes with their output redirected away from stdout and stderr \(e\.g\. `cmd >/dev/null 2>&1 &`\), " +
                @"or stop waiting for EOF once the direct child has exited\.$",
                RegexOptions.CultureInvariant),
            leak!.Summary);
        Assert.Equal(["stdout", "stderr"], leak.Streams.Select(s => s.Stream));
        Assert.All(leak.Streams, s => Assert.Equal(sleep, Assert.Single(s.Writers).Pid));
    }

    private static void KillIfStillOurSleep(int pid)
    {
        if (pid <= 0)
        {
            return;
        }
        try
        {
            string cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            if (cmdline == "sleep\u000027\u0000")
            {
                using Process p = Process.GetProcessById(pid);
                p.Kill();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            // Gone already.
        }
    }
}
