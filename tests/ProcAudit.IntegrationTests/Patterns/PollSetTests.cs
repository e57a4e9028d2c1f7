using System.Globalization;
using System.Text.RegularExpressions;
using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// A thread blocked in poll or select waits on its whole set: Python's <c>Popen.communicate()</c> polls the child's
/// stdout and stderr until both reach EOF, so a grandchild left holding them (the subprocess documentation's
/// background-process trap, MSBuild's "a grandchild process may still be holding the pipe open") stalls it; a set
/// with anything else that could wake it is not a stall.
/// </summary>
public sealed class PollSetTests
{
    [Fact]
    public void Communicate_on_a_child_that_left_a_grandchild_holding_the_pipes_is_a_leaked_write_end_named_with_the_api()
    {
        using PythonScripts scripts = new();
        string script = scripts.Write("comm.py", """
            import subprocess
            p = subprocess.Popen(["sh", "-c", "sleep 600 & echo started"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = p.communicate()
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);

        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Findings.Count(f => f.Kind == "leaked-write-end") == 2);

        Snapshot s = result.Snapshot;
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        ProcessInfo sleep = Assert.Single(s.Processes, p => p.Name == "sleep");
        Assert.False(sleep.InTree);
        ThreadInfo main = s.FindProcess(tree.Pid)!.Threads[0];
        Assert.Equal(SyscallShape.Poll, main.Syscall!.Shape);
        Assert.Null(main.Syscall.Timer);
        Assert.Equal(2, main.Syscall.WaitsOnFds.Length);
        string stdout = Audits.PipeOf(s, sleep.Pid, 1);
        string stderr = Audits.PipeOf(s, sleep.Pid, 2);
        foreach ((string pipe, int holderFd) in new[] { (stdout, 1), (stderr, 2) })
        {
            WaitEdge edge = Assert.Single(result.Analysis.Waits, e => e.Object == pipe);
            Assert.Equal((tree.Pid, tree.Pid, sleep.Pid, WaitReasons.ReadEmptyPipe, Certainty.Observed), (edge.From.Pid, edge.From.Tid, edge.To.Pid, edge.Reason, edge.Certainty));
            Assert.Contains($"is blocked in poll on fds {main.Syscall.WaitsOnFds[0]}, {main.Syscall.WaitsOnFds[1]} with no time limit", edge.Evidence);
            Finding finding = Assert.Single(result.Analysis.Findings, f => f.Object == pipe);
            Assert.Equal(new[] { sleep.Pid, tree.Pid }.Order(), finding.Pids.Order());
            Assert.Contains($"sleep {sleep.Pid} (`sleep 600`), an orphan (its parent is now pid 1) outside the audited tree, still holds its write end as fd {holderFd}, so EOF never comes", finding.Summary);
        }
        Assert.Empty(result.Analysis.Cycles);

        // Through the tool, with the Python view: the script's line and the API it waits in, in text and Markdown.
        string markdown = scripts.Write("report.md", "");
        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture), "--markdown", markdown);
        Assert.Equal(3, run.ExitCode);
        string md = File.ReadAllText(markdown);
        Assert.Contains("<details><summary>Stacks</summary>", md);
        Assert.Matches($@"\| {tree.Pid} \| {tree.Pid} \| poll \| .*Popen\.communicate \(.*/subprocess\.py:\d+\)<br>&lt;module&gt; \({Regex.Escape(script)}:3\) \|", md);
        Assert.Contains($"[leaked-write-end] python3 {tree.Pid} (comm.py:3 in <module>, in Popen.communicate) waits for EOF on stdout (fd ", run.Stdout);
        Assert.Contains($"[leaked-write-end] python3 {tree.Pid} (comm.py:3 in <module>, in Popen.communicate) waits for EOF on stderr (fd ", run.Stdout);
    }

    [Fact]
    public void Communicate_on_a_child_that_sleeps_before_it_answers_is_idle_not_stalled()
    {
        // The writer is the child's own sleeping grandchild, inside the tree: EOF comes when it ends.
        using PythonScripts scripts = new();
        string script = scripts.Write("slow.py", """
            import subprocess
            p = subprocess.Popen(["sh", "-c", "sleep 600; echo done"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = p.communicate()
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);

        AuditResult result = Audits.Until(tree.Pid, r => r.Snapshot.Processes.Any(p => p.Name == "sleep" && p.Threads.Any(t => t.Syscall?.Shape == SyscallShape.Sleep)) && r.Analysis.Verdict == Verdict.Idle);

        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Findings);
        Assert.Contains(result.Analysis.Ends, e => e.End == WaitEndKind.Timer);
    }

    [Fact]
    public void Communicate_on_a_child_that_writes_slowly_is_never_a_finding()
    {
        using PythonScripts scripts = new();
        string script = scripts.Write("trickle.py", """
            import subprocess, sys
            child = "import sys, time\nwhile True:\n    sys.stdout.write('.'); sys.stdout.flush(); time.sleep(0.05)"
            p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = p.communicate()
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);
        Workload.WaitUntilStarted(tree, "the trickling child", () => Workload.Processes(tree).Count >= 2);

        for (int i = 0; i < 5; i++)
        {
            AuditResult result = new Auditor(new AuditOptions()).Audit(tree.Pid);
            Assert.True(result.Analysis.Verdict is Verdict.Running or Verdict.Idle, $"{result.Analysis.Verdict}: {string.Join(" | ", result.Analysis.Findings.Select(f => f.Summary))}");
            Assert.Empty(result.Analysis.Findings);
        }
    }

    [Fact]
    public void A_poll_set_with_a_listening_socket_beside_the_leaked_pipe_is_not_a_stall()
    {
        // A connection could still arrive and wake the poll: the leaked pipe alone does not hold it.
        using PythonScripts scripts = new();
        string script = scripts.Write("serve.py", """
            import select, socket, subprocess
            p = subprocess.Popen(["sh", "-c", "sleep 600 & echo started"], stdout=subprocess.PIPE)
            p.stdout.readline()
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
            while True:
                select.select([p.stdout, s], [], [])
                if p.stdout.read1(4096) == b"":
                    break
            select.select([s], [], [])
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);
        AuditResult result = Audits.Until(tree.Pid, r => r.Snapshot.FindProcess(tree.Pid)?.Threads[0].Syscall?.WaitsOnFds.Length == 2 && r.Analysis.Verdict == Verdict.Idle);

        Assert.Equal(2, result.Snapshot.FindProcess(tree.Pid)!.Threads[0].Syscall!.WaitsOnFds.Length);
        Assert.Contains(result.Snapshot.Processes, p => p.Name == "sleep" && !p.InTree);
        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Findings);
        Assert.DoesNotContain(result.Analysis.Waits, e => e.From.Pid == tree.Pid);
    }
}
