using System.Diagnostics;
using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.DotNet;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// The verdict comes from where the waits lead: a hung tree is never `running`. Real hangs from
/// bug reports (a background grandchild behind WaitForExit, a stopped writer, a wait ProcAudit
/// does not know) beside the healthy programs the new rules could misjudge (sleeping parents,
/// idle servers, timer loops, slow writers).
/// </summary>
public sealed class VerdictTests
{
    [Fact]
    public void WaitForExit_after_async_reads_with_a_background_grandchild_is_a_leaked_write_end_inferred_from_the_epoll_set()
    {
        // dotnet/runtime 29232, 51277: no thread is in read(); the read end sits in the runtime's epoll set.
        using Scenario tree = Scenario.StartScenarioVerb("wait-for-exit-background");

        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "leaked-write-end"));

        Snapshot s = result.Snapshot;
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        ProcessInfo sleep = Assert.Single(s.Processes, p => p.Name == "sleep");
        Assert.False(sleep.InTree);
        string pipe = Audits.PipeOf(s, sleep.Pid, 1);
        ProcessInfo parent = s.FindProcess(tree.Pid)!;
        Assert.DoesNotContain(parent.Threads, t => t.Syscall?.Object == pipe);
        int readFd = Assert.Single(parent.Fds, f => f.Target == pipe).Fd;
        Assert.Contains(parent.Fds, f => f.Kind == FdKind.Eventpoll && f.Watches.Contains(readFd));

        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal(("leaked-write-end", pipe, Certainty.Inferred), (finding.Kind, finding.Object, finding.Certainty));
        Assert.Equal(new[] { sleep.Pid, tree.Pid }, finding.Pids);
        Assert.Contains($"waits for EOF on stdout (fd {readFd}, {pipe}, empty), but sleep {sleep.Pid} (`sleep 600`)", finding.Summary);
        Assert.Contains($"(inferred: every thread is parked in epoll/futex; epoll fd ", finding.Summary);
        WaitEdge edge = Assert.Single(result.Analysis.Waits);
        Assert.Equal((tree.Pid, sleep.Pid, WaitReasons.ReadEmptyPipe, Certainty.Inferred), (edge.From.Pid, edge.To.Pid, edge.Reason, edge.Certainty));

        // With the .NET view the main thread's frame says what it waits for.
        AuditResult withView = new Auditor(new AuditOptions { Enrichers = [new DotNetEnricher()], EnricherBudget = TimeSpan.FromSeconds(5) }).Audit(tree.Pid);
        Finding sharpened = Assert.Single(withView.Analysis.Findings);
        Assert.Contains($"(thread {tree.Pid} in System.Diagnostics.Process.WaitForExit", sharpened.Summary);
        Assert.Contains("which waits for the redirected output to reach EOF", sharpened.Summary);
    }

    [Fact]
    public void A_reader_whose_writer_was_stopped_is_stalled_naming_the_stopped_process_and_how_to_resume_it()
    {
        using Scenario tree = Scenario.StartShell("yes | cat > /dev/null");
        int yes = WaitForChild(tree.Pid, "yes");
        int cat = WaitForChild(tree.Pid, "cat");
        Assert.Equal(0, Signals.Kill(yes, Signals.SigStop));

        // The shell's wait for yes to exit joins once its thread has settled.
        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "stopped-process" && f.Pids.Length == 3));

        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Cycles);
        Assert.Equal("T", result.Snapshot.FindProcess(yes)!.State);
        Finding f = Assert.Single(result.Analysis.Findings);
        Assert.Equal("stopped-process", f.Kind);
        Assert.Equal(new[] { yes, cat, tree.Pid }, f.Pids);
        string pipe = Audits.PipeOf(result.Snapshot, cat, 0);
        Assert.Equal(pipe, f.Object);
        Assert.StartsWith($"yes {yes} is stopped (state T: SIGSTOP", f.Summary);
        Assert.Contains($"; cat {cat} reads stdout (fd 0, {pipe}, empty) from it (and 1 more wait leads here): nothing moves until it is resumed.", f.Summary);
        Assert.Contains($"`kill -CONT {yes}`", f.Hint);

        CliRun cli = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(3, cli.ExitCode);
        Assert.StartsWith($"STALLED: the tree of sh {tree.Pid} is blocked with no wait cycle (stopped-process).", cli.Stdout);
    }

    [Fact]
    public void A_child_held_in_a_tracing_stop_is_stalled_naming_its_tracer()
    {
        // A debugger attached and never continued: the tracee sits in state t, TracerPid names the tracer.
        string dir = Directory.CreateTempSubdirectory("procaudit-tracer-").FullName;
        try
        {
            string exe = CPrograms.Compile(dir, "tracer", """
                #include <signal.h>
                #include <sys/ptrace.h>
                #include <sys/wait.h>
                #include <unistd.h>
                int main(void) {
                    pid_t child = fork();
                    if (child == 0) { execlp("sleep", "sleep", "600", (char *)0); _exit(127); }
                    usleep(200000);
                    ptrace(PTRACE_ATTACH, child, 0, 0);
                    waitpid(child, 0, __WALL);
                    pause();
                    return 0;
                }
                """);
            using Scenario tree = Scenario.StartProgram(exe);

            AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "stopped-process"));

            Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
            ProcessInfo sleep = Audits.Child(result.Snapshot, tree.Pid, "sleep");
            Assert.Equal(("t", tree.Pid), (sleep.State, sleep.TracerPid));
            Finding f = Assert.Single(result.Analysis.Findings);
            Assert.Equal(new[] { sleep.Pid }, f.Pids);
            Assert.Equal($"sleep {sleep.Pid} is stopped by its tracer tracer {tree.Pid} (state t): nothing moves until it is resumed.", f.Summary);
            Assert.Contains($"in its tracer tracer {tree.Pid}", f.Hint);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_parent_waiting_for_a_sleeping_child_is_idle_with_the_time_left_and_exit_code_0()
    {
        using Scenario tree = Scenario.StartProgram("/bin/bash", "-c", "sleep 600; echo done");

        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Idle && r.Analysis.Ends.Length == 2);

        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Findings);
        int sleep = Audits.Child(result.Snapshot, tree.Pid, "sleep").Pid;
        WaitTimer timer = result.Snapshot.FindProcess(sleep)!.Threads[0].Syscall!.Timer!;
        Assert.Equal((600.0, false), (timer.Seconds!.Value, timer.Absolute));
        Assert.InRange(timer.LeftSeconds!.Value, 540, 600);
        WaitOutcome parent = Assert.Single(result.Analysis.Ends, e => e.Waiter.Pid == tree.Pid);
        Assert.Equal((WaitEndKind.Timer, new WaitEnd(sleep, sleep)), (parent.End, parent.At));
        Assert.Equal(WaitReasons.WaitChildExit, Assert.Single(parent.Chain).Reason);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(parent.Summary, $"^sleep {sleep} sleeps for 600 s \\((5[4-9][0-9]|600) s left\\)$"), parent.Summary);

        CliRun cli = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, cli.ExitCode);
        Assert.Matches($"^IDLE: nothing in the tree of bash {tree.Pid} moved in 500 ms, and every wait ends in a timer or outside the tree: sleep {sleep} sleeps for 600 s \\(\\d+ s left\\)\\.", cli.Stdout);
        Assert.Contains("Where the waits end:", cli.Stdout);
    }

    [Fact]
    public void An_idle_python_server_is_idle_waiting_for_a_connection()
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        using Scenario tree = Scenario.StartProgram(python, "-m", "http.server", "0", "--bind", "127.0.0.1");

        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Idle);

        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        SocketInfo listener = Assert.Single(result.Snapshot.Sockets, k => k.Listener);
        WaitOutcome end = Assert.Single(result.Analysis.Ends);
        Assert.Equal(WaitEndKind.Outside, end.End);
        Assert.Equal($"python3 {tree.Pid} waits for a connection on {listener.Local} ({listener.Id}) (in {result.Snapshot.FindProcess(tree.Pid)!.Threads[0].Syscall!.Name})", end.Summary);
    }

    [Fact]
    public void An_idle_dotnet_server_is_idle_through_its_socket_engine_not_blocked_on_its_runtime_threads()
    {
        using Scenario tree = Scenario.StartScenarioVerb("idle-server");

        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Idle);

        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Findings);
        // The runtime's diagnostics port is a unix listener too; the program's is the TCP one.
        SocketInfo listener = Assert.Single(result.Snapshot.Sockets, k => k.Listener && k.Kind is FdKind.Tcp or FdKind.Tcp6);
        // The runtime's own threads (signal pipe, debugger FIFO, diagnostics port) are not waiters.
        Assert.DoesNotContain(result.Analysis.Ends, e => result.Snapshot.FindProcess(e.Waiter.Pid)!.Threads.First(t => t.Tid == e.Waiter.Tid).Name is ".NET SigHandler" or ".NET DebugPipe" or ".NET EventPipe");
        Assert.All(result.Analysis.Ends, e => Assert.Equal(WaitEndKind.Outside, e.End));
        Assert.All(result.Analysis.Ends, e => Assert.Contains($"waits for a connection on {listener.Local} ({listener.Id})", e.Summary));
    }

    [Fact]
    public void A_single_threaded_process_blocked_on_a_lock_it_holds_itself_is_blocked_never_running()
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        using Scenario tree = Scenario.StartProgram(python, "-c", "import threading\nl = threading.Lock()\nl.acquire()\nl.acquire()");

        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Blocked);

        Assert.Equal(Verdict.Blocked, result.Analysis.Verdict);
        Finding f = Assert.Single(result.Analysis.Findings);
        Assert.Equal("unexplained-wait", f.Kind);
        Assert.Equal(new[] { tree.Pid }, f.Pids);
        Assert.Contains($"python3 {tree.Pid} is blocked in futex (futex at 0x", f.Summary);
        Assert.Contains("it is the only thread of its process", f.Summary);
        Assert.Contains($"Waiting there: thread {tree.Pid} python3: futex (wchan ", f.Summary);
    }

    [Fact]
    public void A_wait_in_a_system_call_procaudit_does_not_know_is_blocked_with_that_thread_listed_and_exit_code_6()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-msgrcv-").FullName;
        string idFile = Path.Combine(dir, "queue-id");
        try
        {
            // A System V message queue: msgrcv waits for a message nobody will send.
            string exe = CPrograms.Compile(dir, "msgrcv", """
                #include <stdio.h>
                #include <sys/ipc.h>
                #include <sys/msg.h>
                int main(int argc, char **argv) {
                    int q = msgget(IPC_PRIVATE, 0600);
                    FILE *f = fopen(argv[1], "w"); fprintf(f, "%d", q); fclose(f);
                    struct { long type; char text[16]; } m;
                    msgrcv(q, &m, sizeof m.text, 0, 0);
                    return 0;
                }
                """);
            using Scenario tree = Scenario.StartProgram(exe, idFile);
            try
            {
                AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Blocked);

                Assert.Equal(Verdict.Blocked, result.Analysis.Verdict);
                ThreadInfo thread = Assert.Single(result.Snapshot.FindProcess(tree.Pid)!.Threads);
                Assert.Equal("msgrcv", thread.Syscall?.Name);
                Finding f = Assert.Single(result.Analysis.Findings);
                Assert.Equal("unexplained-wait", f.Kind);
                Assert.Contains($"msgrcv {tree.Pid} is blocked in msgrcv (wchan {thread.Wchan}), a wait ProcAudit does not know", f.Summary);
                Assert.Contains($"Waiting there: thread {tree.Pid} msgrcv: msgrcv (wchan {thread.Wchan})", f.Summary);

                CliRun cli = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture), "--json", "-");
                Assert.Equal(6, cli.ExitCode);
                Assert.Contains("\"verdict\": \"blocked\"", cli.Stdout);
                Assert.StartsWith($"BLOCKED: nothing in the tree of msgrcv {tree.Pid} moved in 500 ms, and 1 wait leads somewhere ProcAudit cannot explain (unexplained-wait).", cli.Stderr);
            }
            finally
            {
                // The queue outlives the process: remove it.
                if (File.Exists(idFile) && int.TryParse(File.ReadAllText(idFile), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                {
                    Infrastructure.Cli.RunProgram("ipcrm", "-q", id.ToString(CultureInfo.InvariantCulture));
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("while :; do echo x; sleep 0.2; done | cat > /dev/null")]
    [InlineData("while :; do sleep 0.3; done")]
    [InlineData("python3 -c 'import time\nwhile True: time.sleep(0.3)'")]
    public void Slow_writers_and_timer_loops_are_never_stalled_blocked_or_deadlocked(string script)
    {
        using Scenario tree = Scenario.StartShell(script);
        Auditor auditor = new(new AuditOptions { Interval = TimeSpan.FromMilliseconds(500) });
        Thread.Sleep(300);
        for (int i = 0; i < 6; i++)
        {
            AuditResult result = auditor.Audit(tree.Pid);
            Assert.True(result.Analysis.Verdict is Verdict.Running or Verdict.Idle,
                $"look {i}: {result.Analysis.Verdict}: {string.Join(" | ", result.Analysis.Findings.Select(f => f.Summary))}");
        }
    }

    [Fact]
    public void A_dotnet_timer_loop_is_never_stalled_or_blocked()
    {
        using Scenario tree = Scenario.StartScenarioVerb("timer-loop");
        Auditor auditor = new(new AuditOptions { Interval = TimeSpan.FromMilliseconds(500) });
        AuditResult settled = Audits.Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Idle);
        Assert.Equal(Verdict.Idle, settled.Analysis.Verdict);
        Assert.Contains(settled.Analysis.Ends, e => e.End == WaitEndKind.Timer && e.Summary.Contains("(thread ", StringComparison.Ordinal) && e.Summary.Contains(".NET Timer) waits on a futex for at most", StringComparison.Ordinal));
        for (int i = 0; i < 6; i++)
        {
            AuditResult result = auditor.Audit(tree.Pid);
            Assert.True(result.Analysis.Verdict is Verdict.Running or Verdict.Idle, $"look {i}: {result.Analysis.Verdict}");
        }
    }

    private static int WaitForChild(int parent, string name)
    {
        int found = 0;
        Assert.True(Scenario.WaitUntil(() =>
        {
            AuditResult r = new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Audit(parent);
            found = r.Snapshot.Processes.FirstOrDefault(p => p.PPid == parent && p.Name == name)?.Pid ?? 0;
            return found != 0;
        }, TimeSpan.FromSeconds(10)), $"{name} never started under {parent}");
        return found;
    }
}
