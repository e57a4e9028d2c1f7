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
        string dir = Directory.CreateTempSubdirectory("procaudit-python-view-").FullName;
        try
        {
            string script = Write(dir, "inv.py", """
                import subprocess, sys
                child = "import sys; sys.stderr.write('e' * 200000); sys.stderr.flush(); sys.stdout.write('x')"
                p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out = p.stdout.read()
                err = p.stderr.read()
                """);
            using Scenario tree = Scenario.StartProgram(Python(), script);
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
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Popen_wait_before_communicate_is_named_with_the_api_and_the_fix_the_documentation_gives()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-python-view-").FullName;
        try
        {
            string script = Write(dir, "wait.py", """
                import subprocess, sys
                child = "import sys; sys.stdout.write('o' * 200000)"
                p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE)
                p.wait()
                out, _ = p.communicate()
                """);
            using Scenario tree = Scenario.StartProgram(Python(), script);
            Audits.UntilVerdict(tree.Pid, Analysis.Verdict.Deadlock);

            CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture));

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"[wait-before-drain] python3 {tree.Pid} (wait.py:4 in <module>, in Popen.wait) waits for its child python3 ", run.Stdout);
            Assert.Contains("Fix: Use p.communicate() instead of p.wait()", run.Stdout);
            Assert.Contains($"at <module> ({script}:4)", run.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Python() =>
        Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");

    private static string Write(string dir, string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text + "\n");
        return path;
    }
}
