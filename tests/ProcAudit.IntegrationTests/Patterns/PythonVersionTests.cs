using System.Globalization;
using ProcAudit.IntegrationTests.Infrastructure;
using ProcAudit.Python.Tests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// The subprocess hangs of issue 19 on every interpreter the Python reader claims (pyenv's 3.8 to 3.13 and Debian's
/// stripped 3.11), through the command-line tool: the reader's own tests check frames against each interpreter's
/// view; these check that the report a person reads names their script's line and the API on each of them.
/// </summary>
public sealed class PythonVersionTests
{
    public static TheoryData<string> Versions => Interpreters.Supported;

    [Theory]
    [MemberData(nameof(Versions))]
    public void The_stdout_before_stderr_inversion_names_the_line(string version)
    {
        string report = Hang(version, "inv.py", """
            import subprocess, sys
            child = "import sys; sys.stderr.write('e' * 200000); sys.stderr.flush(); sys.stdout.write('x')"
            p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out = p.stdout.read()
            err = p.stderr.read()
            """, out int pid, out string name);

        Assert.Contains($"[pipe-order-inversion] {name} {pid} (inv.py:4 in <module>) reads stdout (fd ", report);
        Assert.Contains("(<string>:1 in <module>) blocks writing stderr (fd 2, ", report);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Popen_wait_before_reading_is_named_with_the_api(string version)
    {
        string report = Hang(version, "wait.py", """
            import subprocess, sys
            child = "import sys; sys.stdout.write('o' * 200000)"
            p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE)
            p.wait()
            out, _ = p.communicate()
            """, out int pid, out string name);

        Assert.Contains($"[wait-before-drain] {name} {pid} (wait.py:4 in <module>, in {Qualified(version, "Popen.wait", "wait (subprocess.py)")}) waits for its child {name} ", report);
        Assert.Contains("Fix: Use p.communicate() instead of p.wait()", report);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Multiprocessing_join_before_get_is_named_with_the_queue_feeder(string version)
    {
        string report = Hang(version, "mp.py", """
            import multiprocessing as mp

            def work(q):
                q.put("x" * 200000)

            if __name__ == "__main__":
                mp.set_start_method("fork")
                q = mp.Queue()
                p = mp.Process(target=work, args=(q,))
                p.start()
                p.join()
                print(len(q.get()))
            """, out int pid, out string name);

        Assert.Contains($"[wait-before-drain] {name} {pid} (mp.py:11 in <module>, in {Qualified(version, "BaseProcess.join", "join (process.py)")}) waits for its child {name} ", report);
        Assert.Contains($"({Qualified(version, "Queue._feed", "_feed")}, connection.py:", report);
        Assert.Contains("Fix: Take the items off the queue (q.get()) before p.join()", report);
    }

    /// <summary>
    /// A function's name as the report gives it: qualified where the interpreter records qualified names (3.11+),
    /// else the bare name (with the library file, for the call the program's line is in).
    /// </summary>
    private static string Qualified(string version, string qualified, string bare) =>
        Version.Parse(Interpreters.Minor(version)) >= new Version(3, 11) ? qualified : bare;

    /// <summary>Starts <paramref name="script"/> under the interpreter, waits for the deadlock, and returns the tool's text report (exit code 2 checked).</summary>
    private static string Hang(string version, string file, string script, out int pid, out string name)
    {
        string python = Interpreters.Executable(version);
        using PythonScripts scripts = new();
        using Scenario tree = Scenario.StartProgram(python, scripts.Write(file, script));
        AuditResult formed = Audits.UntilVerdict(tree.Pid, Analysis.Verdict.Deadlock, TimeSpan.FromSeconds(30));
        Assert.True(formed.Analysis.Verdict == Analysis.Verdict.Deadlock, $"{version}: {formed.Analysis.Verdict}: {string.Join(" | ", formed.Analysis.Findings.Select(f => f.Summary))}");

        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture));

        Assert.True(run.ExitCode == 2, $"{version}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        pid = tree.Pid;
        name = formed.Snapshot.FindProcess(tree.Pid)!.Name;
        return run.Stdout;
    }
}
