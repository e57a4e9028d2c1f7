using System.Globalization;
using System.Text.RegularExpressions;
using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// Python-level waits through the audit: threads on threading locks and on the GIL, each joined to the thread it
/// waits for (an RLock's recorded owner, a Lock's holder inferred from the one thread inside `with` on it, the GIL's
/// recorded holder), on real programs; and healthy programs that take locks without being flagged.
/// </summary>
public sealed class PythonLockTests
{
    /// <summary>Every CPython the reader supports on these machines: pyenv's 3.8 to 3.13 and Debian's python3.11.</summary>
    public static TheoryData<string> Versions => Python.Tests.Infrastructure.Interpreters.Supported;

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Versions))]
    public async Task Two_threads_taking_two_locks_in_opposite_order_are_a_lock_order_inversion_told_with_both_lines(string version)
    {
        await Task.Yield();
        string python = Python.Tests.Infrastructure.Interpreters.Executable(version);
        using PythonScripts scripts = new();
        string script = scripts.Write("abba.py", """
            import threading
            a, b = threading.Lock(), threading.Lock()
            barrier = threading.Barrier(2)
            def one():
                with a:
                    barrier.wait()
                    with b:
                        pass
            def two():
                with b:
                    barrier.wait()
                    with a:
                        pass
            threads = [threading.Thread(target=one, name="one"), threading.Thread(target=two, name="two")]
            for t in threads: t.start()
            for t in threads: t.join()
            """);
        using Scenario tree = Scenario.StartProgram(python, script);
        AuditResult result = Audits.UntilWithViews(tree.Pid, r => r.Analysis.Cycles.Any(c => c.Pattern == "lock-order-inversion"));

        Assert.Equal(Verdict.Deadlock, result.Analysis.Verdict);
        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("lock-order-inversion", cycle.Pattern);
        Assert.All(cycle.Waits, e => Assert.Equal((WaitReasons.PythonLock, Certainty.Inferred), (e.Reason, e.Certainty)));
        int one = Tid(result, tree.Pid, "one");
        int two = Tid(result, tree.Pid, "two");
        Assert.Matches(new Regex(
            $@"^In python[\d.]* {tree.Pid}, thread ({one} \(python[\d.]*\) \(abba\.py:7 in one\)|{two} \(python[\d.]*\) \(abba\.py:12 in two\)) waits for threading\.Lock 0x[0-9a-f]+, owned by thread ({one}|{two}) .*, " +
            @"while .* waits for threading\.Lock 0x[0-9a-f]+, owned by .*: the two threads take the same locks in opposite order \(holders inferred: a threading\.Lock records no owner; each holder is the only thread inside `with` on the lock the other waits for\)\.$"),
            cycle.Summary);
        Assert.Matches($@"thread {one} \(python[\d.]*\) \(abba\.py:7 in one\)", cycle.Summary);
        Assert.Matches($@"thread {two} \(python[\d.]*\) \(abba\.py:12 in two\)", cycle.Summary);
        Assert.Contains("inside a `with` block on it (in one, now at abba.py:7)", string.Join("\n", cycle.Waits.Select(e => e.Evidence)));
        Assert.Contains("inside a `with` block on it (in two, now at abba.py:12)", string.Join("\n", cycle.Waits.Select(e => e.Evidence)));

        // Through the command-line tool: exit 2, the cycle in the text, the lock waits in the JSON.
        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture), "--json", "-");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"[lock-order-inversion] In python", run.Stderr);
        // Under each thread: the lock it waits for, and the one it holds (the other's), with the line it is at.
        Assert.Matches(@"\(waits for threading\.Lock 0x[0-9a-f]+, which records no owner\)\n\s+\(holds threading\.Lock 0x[0-9a-f]+, inside a `with` block in one, now at abba\.py:7\)", run.Stderr);
        Assert.Matches(@"\(holds threading\.Lock 0x[0-9a-f]+, inside a `with` block in two, now at abba\.py:12\)", run.Stderr);
        Assert.Contains("\"pythonWait\"", run.Stdout);
        Assert.Contains("\"reason\": \"python-lock\"", run.Stdout);
    }

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Versions))]
    public async Task A_lock_held_across_a_send_the_peer_never_reads_chains_the_waiter_to_that_peer(string version)
    {
        await Task.Yield();
        using PythonScripts scripts = new();
        // The peer is another process that connects and never reads (the sender's own process as its peer gives no edge).
        string script = scripts.Write("held.py", """
            import socket, subprocess, sys, threading, time
            srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
            reader = "import socket, sys, time; s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))); time.sleep(3600)"
            peer = subprocess.Popen([sys.executable, "-c", reader, str(srv.getsockname()[1])])
            conn, _ = srv.accept()
            lock = threading.Lock()
            def send_report():
                with lock:
                    conn.sendall(b"x" * 20_000_000)
            def add_entry():
                time.sleep(0.5)
                with lock:
                    pass
            threading.Thread(target=send_report, name="sender").start()
            threading.Thread(target=add_entry, name="adder").start()
            time.sleep(3600)
            """);
        using Scenario tree = Scenario.StartProgram(Python.Tests.Infrastructure.Interpreters.Executable(version), script);
        AuditResult result = Audits.UntilWithViews(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "lock-holder-blocked"));

        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        int sender = Tid(result, tree.Pid, "send_report");
        int adder = Tid(result, tree.Pid, "add_entry");
        Finding held = Assert.Single(result.Analysis.Findings, f => f.Kind == "lock-holder-blocked");
        Assert.Matches(new Regex(
            $@"^In python[\d.]* {tree.Pid}, 1 thread \(thread {adder} \(python[\d.]*\) \(held\.py:12 in add_entry\)\) waits for threading\.Lock 0x[0-9a-f]+, " +
            $@"held by thread {sender} \(python[\d.]*\) \(held\.py:9 in send_report\), which is itself blocked in sendto on fd \d+ \(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+, socket:\[\d+\], Send-Q [\d,]+ bytes\) while it holds the lock " +
            $@"\(inferred: thread {adder} sleeps on threading\.Lock 0x[0-9a-f]+ \(its futex is the lock's semaphore\); a Lock records no owner, and thread {sender} is the only thread inside a `with` block on it \(in send_report, now at held\.py:9\)"),
            held.Summary);
        Assert.Single(result.Analysis.Findings, f => f.Kind == "peer-not-reading");

        // The waiter's wait is followed through the holder's send to the peer process, which sleeps.
        WaitEdge lockEdge = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.PythonLock);
        Assert.Equal((adder, sender), (lockEdge.From.Tid, lockEdge.To.Tid));
        int peer = result.Snapshot.Processes.Single(p => p.PPid == tree.Pid).Pid;
        Assert.Contains(result.Analysis.Waits, e => e.From.Tid == sender && e.Reason == WaitReasons.SendFullSocket && e.To.Pid == peer);
        WaitOutcome end = Assert.Single(result.Analysis.Ends, o => o.Waiter.Tid == adder);
        Assert.Contains(end.Chain, e => e.To.Pid == peer);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_lock_taken_with_acquire_names_no_holder_yet_the_waiter_is_shown_and_the_tree_is_not_called_healthy()
    {
        await Task.Yield();
        using PythonScripts scripts = new();
        // No `with`: nothing the interpreter keeps says who holds the lock, so no holder may be named.
        string script = scripts.Write("acquire.py", """
            import os, threading, time
            lock = threading.Lock()
            rd, wr = os.pipe()
            def holder():
                lock.acquire()
                os.read(rd, 1)
            def waiter():
                time.sleep(0.5)
                lock.acquire()
            threads = [threading.Thread(target=holder, name="holder"), threading.Thread(target=waiter, name="waiter")]
            for t in threads: t.start()
            for t in threads: t.join()
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);
        AuditResult result = Audits.UntilWithViews(tree.Pid, r => r.Snapshot.FindProcess(tree.Pid)!.Threads.Any(t => t.PythonWait?.Lock is not null && t.PythonStack.Any(f => f.Function == "waiter")));

        Assert.DoesNotContain(result.Analysis.Waits, e => e.Reason == WaitReasons.PythonLock);
        Assert.Equal(Verdict.Blocked, result.Analysis.Verdict);

        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(6, run.ExitCode);
        int waiter = Tid(result, tree.Pid, "waiter");
        Assert.Matches($@"    thread {waiter} python[\d.]* \[S\] futex  wchan futex_do_wait\n      at waiter \(.*acquire\.py:9\)\n(      at .*\n)*      \(waits for threading\.Lock 0x[0-9a-f]+, which records no owner\)\n", run.Stdout);
    }

    [Fact(Timeout = 120_000)]
    public async Task An_rlock_waiter_waits_for_the_owner_the_rlock_records()
    {
        await Task.Yield();
        using PythonScripts scripts = new();
        string script = scripts.Write("rlock.py", """
            import os, threading, time
            state = threading.RLock()
            rd, wr = os.pipe()
            def refresh():
                state.acquire()
                state.acquire()
                os.read(rd, 1)
            def report():
                time.sleep(0.5)
                with state:
                    pass
            threading.Thread(target=refresh, name="refresh").start()
            threading.Thread(target=report, name="report").start()
            time.sleep(3600)
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);
        AuditResult result = Audits.UntilWithViews(tree.Pid, r => r.Analysis.Waits.Any(e => e.Reason == WaitReasons.PythonLock));

        int refresh = Tid(result, tree.Pid, "refresh");
        int report = Tid(result, tree.Pid, "report");
        WaitEdge edge = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.PythonLock);
        Assert.Equal((report, refresh, Certainty.Observed), (edge.From.Tid, edge.To.Tid, edge.Certainty));
        Assert.Matches($@"^thread {report} sleeps on threading\.RLock 0x[0-9a-f]+ \(its futex is the lock's semaphore\), which records thread {refresh} as its owner \(rlock_owner, taken 2 times\)$", edge.Evidence);
        PythonWaitInfo wait = result.Snapshot.FindProcess(tree.Pid)!.Threads.Single(t => t.Tid == report).PythonWait!;
        Assert.Equal(("threading.RLock", refresh, 2L), (wait.Lock!.Kind, wait.Lock.OwnerTid, wait.Lock.Count));
        Finding held = Assert.Single(result.Analysis.Findings, f => f.Kind == "lock-holder-blocked");
        Assert.Matches($@"held by thread {refresh} \(python[\d.]*\) \(rlock\.py:7 in refresh\), which is itself blocked in read on fd ", held.Summary);
        Assert.DoesNotContain("inferred", held.Summary);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_thread_waiting_for_the_gil_waits_for_the_holder_blocked_in_a_call_that_kept_it()
    {
        await Task.Yield();
        using PythonScripts scripts = new();
        // ctypes.PyDLL keeps the GIL across the call (CDLL releases it): libc's read of a pipe nobody writes.
        string script = scripts.Write("gil.py", """
            import ctypes, os, threading, time
            libc = ctypes.PyDLL(None)
            rd, wr = os.pipe()
            def tick():
                while True:
                    time.sleep(0.05)
            threading.Thread(target=tick, name="ticker", daemon=True).start()
            time.sleep(0.3)
            libc.read(rd, ctypes.create_string_buffer(1), 1)
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);
        AuditResult result = Audits.UntilWithViews(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "gil-holder-blocked"));

        int ticker = Tid(result, tree.Pid, "tick");
        WaitEdge edge = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.PythonGil);
        Assert.Equal((ticker, tree.Pid, Certainty.Observed), (edge.From.Tid, edge.To.Tid, edge.Certainty));
        Finding gil = Assert.Single(result.Analysis.Findings, f => f.Kind == "gil-holder-blocked");
        Assert.Matches(new Regex(
            $@"^In python[\d.]* {tree.Pid}, 1 thread \(thread {ticker} \(python[\d.]*\) \(gil\.py:6 in tick\)\) waits for the GIL, held by thread {tree.Pid} \(python[\d.]*\) \(gil\.py:9 in <module>\), " +
            @"which keeps it in a call that did not release it \(a C extension, or a function called through ctypes\.PyDLL\) and is blocked in read on fd 3 \(.*pipe:\[\d+\]\): no other thread can run Python until that call returns\.$"),
            gil.Summary);
        Assert.Contains("ctypes.CDLL", gil.Hint);

        // The holder's own wait is the answer: the pipe it reads, whose write end it holds itself.
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        Assert.Contains(result.Analysis.Findings, f => f.Kind == "leaked-write-end");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_pool_contending_briefly_on_a_lock_and_a_timed_condition_wait_are_not_flagged()
    {
        await Task.Yield();
        using PythonScripts scripts = new();
        string pool = scripts.Write("pool.py", """
            import threading
            lock = threading.Lock()
            count = [0]
            def work():
                while True:
                    with lock:
                        count[0] += 1
            for i in range(4):
                threading.Thread(target=work).start()
            """);
        string timed = scripts.Write("timed.py", """
            import threading
            ready = threading.Condition()
            def consumer():
                with ready:
                    while True:
                        ready.wait(timeout=600)
            threading.Thread(target=consumer, name="consumer").start()
            with ready:
                while True:
                    ready.wait(timeout=600)
            """);
        using Scenario busy = Scenario.StartProgram(Prerequisites.Python3(), pool);
        using Scenario waiting = Scenario.StartProgram(Prerequisites.Python3(), timed);
        Auditor auditor = new(new AuditOptions { Enrichers = Views.RuntimeViews.Default() });
        Audits.UntilWithViews(waiting.Pid, r => r.Analysis.Verdict == Verdict.Idle);
        for (int i = 0; i < 3; i++)
        {
            AuditResult b = auditor.Audit(busy.Pid);
            Assert.Equal(Verdict.Running, b.Analysis.Verdict);
            Assert.Empty(b.Analysis.Findings);
            Assert.Empty(b.Analysis.Cycles);
            AuditResult t = auditor.Audit(waiting.Pid);
            Assert.True(t.Analysis.Verdict == Verdict.Idle, $"{t.Analysis.Verdict}: {string.Join(" | ", t.Analysis.Findings.Select(f => f.Summary))}");
            Assert.Empty(t.Analysis.Findings);
            Assert.DoesNotContain(t.Analysis.Waits, e => e.Reason is WaitReasons.PythonLock or WaitReasons.PythonGil);
        }
    }

    /// <summary>The thread whose Python stack runs <paramref name="function"/> (threads keep the interpreter's name before 3.14).</summary>
    private static int Tid(AuditResult result, int pid, string function) =>
        result.Snapshot.FindProcess(pid)!.Threads.Single(t => t.PythonStack.Any(f => f.Function == function)).Tid;
}
