using System.Globalization;
using System.Text.Json;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// The Python view through the command-line tool: each thread's Python stack on the kernel thread it
/// runs on, and the sentences that name the script's own line (and the subprocess API in use).
/// </summary>
public sealed class PythonViewTests
{
    [Fact]
    public void The_stdout_before_stderr_inversion_names_the_scripts_line()
    {
        using PythonScripts scripts = new();
        string script = scripts.Write("inv.py", """
            import subprocess, sys
            child = "import sys; sys.stderr.write('e' * 200000); sys.stderr.flush(); sys.stdout.write('x')"
            p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out = p.stdout.read()
            err = p.stderr.read()
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);
        Audits.UntilVerdict(tree.Pid, Analysis.Verdict.Deadlock);

        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture), "--json", "-");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"[pipe-order-inversion] python3 {tree.Pid} (inv.py:4 in <module>) reads stdout (fd ", run.Stderr);
        Assert.Contains("(<string>:1 in <module>) blocks writing stderr (fd 2, ", run.Stderr);
        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        JsonElement parent = report.RootElement.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("pid").GetInt32() == tree.Pid);
        Assert.Matches(@"^3\.\d+\.\d+$", parent.GetProperty("runtimeVersion").GetString()!);
        Assert.Contains("python-stacks", parent.GetProperty("runtimeViews").EnumerateArray().Select(v => v.GetString()));
        JsonElement frame = parent.GetProperty("threads")[0].GetProperty("pythonStack")[0];
        Assert.Equal(("<module>", script, 4), (frame.GetProperty("function").GetString(), frame.GetProperty("file").GetString(), frame.GetProperty("line").GetInt32()));
    }

    [Fact]
    public void Popen_wait_before_communicate_is_named_with_the_api_and_the_fix_the_documentation_gives()
    {
        using PythonScripts scripts = new();
        string script = scripts.Write("wait.py", """
            import subprocess, sys
            child = "import sys; sys.stdout.write('o' * 200000)"
            p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE)
            p.wait()
            out, _ = p.communicate()
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);
        Audits.UntilVerdict(tree.Pid, Analysis.Verdict.Deadlock);

        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"[wait-before-drain] python3 {tree.Pid} (wait.py:4 in <module>, in Popen.wait) waits for its child python3 ", run.Stdout);
        Assert.Contains("Fix: Use p.communicate() instead of p.wait()", run.Stdout);
        Assert.Contains($"at <module> ({script}:4)", run.Stdout);
    }

    [Fact]
    public void Multiprocessing_join_before_get_is_named_with_the_queue_feeder_and_the_guidelines_fix()
    {
        using PythonScripts scripts = new();
        // The multiprocessing guidelines' "joining processes that use queues": the child cannot exit until its
        // queue's feeder thread has flushed 200 KB into a pipe the parent only reads after join().
        string script = scripts.Write("mp.py", """
            import multiprocessing as mp

            def work(q):
                q.put("x" * 200000)

            if __name__ == "__main__":
                q = mp.Queue()
                p = mp.Process(target=work, args=(q,))
                p.start()
                p.join()
                print(len(q.get()))
            """);
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), script);
        Audits.UntilVerdict(tree.Pid, Analysis.Verdict.Deadlock);

        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"[wait-before-drain] python3 {tree.Pid} (mp.py:10 in <module>, in BaseProcess.join) waits for its child python3 ", run.Stdout);
        Assert.Contains(" to exit before reading the pipe, while python3 ", run.Stdout);
        Assert.Contains("(Queue._feed, connection.py:", run.Stdout);
        Assert.Contains("Fix: Take the items off the queue (q.get()) before p.join()", run.Stdout);
    }

    [Fact]
    public void A_healthy_threaded_server_and_a_busy_worker_pool_are_not_flagged()
    {
        using PythonScripts scripts = new();
        string server = scripts.Write("server.py", """
            import http.server, threading
            s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
            s.serve_forever()
            """);
        string pool = scripts.Write("pool.py", """
            from concurrent.futures import ThreadPoolExecutor
            def work(n):
                while True:
                    n = (n * 31 + 7) % 1000003
            with ThreadPoolExecutor(4) as ex:
                for i in range(4):
                    ex.submit(work, i)
            """);
        using Scenario idle = Scenario.StartProgram(Prerequisites.Python3(), server);
        using Scenario busy = Scenario.StartProgram(Prerequisites.Python3(), pool);
        Auditor auditor = new(new AuditOptions { Enrichers = Views.RuntimeViews.Default() });

        AuditResult quiet = Audits.Until(idle.Pid, r => r.Analysis.Verdict == Analysis.Verdict.Idle);
        Assert.Equal(Analysis.Verdict.Idle, quiet.Analysis.Verdict);
        for (int i = 0; i < 3; i++)
        {
            AuditResult a = auditor.Audit(idle.Pid);
            Assert.True(a.Analysis.Verdict is Analysis.Verdict.Idle or Analysis.Verdict.Running, $"{a.Analysis.Verdict}: {string.Join(" | ", a.Analysis.Findings.Select(f => f.Summary))}");
            Assert.Empty(a.Analysis.Findings);
            AuditResult b = auditor.Audit(busy.Pid);
            Assert.Equal(Analysis.Verdict.Running, b.Analysis.Verdict);
            Assert.Empty(b.Analysis.Findings);
        }
        ProcessInfo serverProcess = auditor.Audit(idle.Pid).Snapshot.FindProcess(idle.Pid)!;
        Assert.Contains(serverProcess.Threads[0].PythonStack, f => f.File == server && f.Line == 3);
    }
}
