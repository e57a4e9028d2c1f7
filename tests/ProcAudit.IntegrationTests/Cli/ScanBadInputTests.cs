using System.Text.Json;
using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>
/// `procaudit scan` where the machine or the terminal does not hold still: trees that exit while they
/// are read, and a stdout nobody reads. Other suites run hung trees on this machine at the same time:
/// only this test's sessions are looked at.
/// </summary>
public sealed class ScanBadInputTests
{
    /// <summary>Starts pipe inversions one after another and kills each (parent first, its child then dies of EPIPE) after 50 to 400 ms.</summary>
    private const string Churn = """
        import random, subprocess, sys, time
        while True:
            p = subprocess.Popen([sys.executable, sys.argv[1]])
            time.sleep(random.uniform(0.05, 0.4))
            p.kill()
            p.wait()
        """;

    [Fact]
    public void Trees_that_exit_while_scanned_neither_crash_the_scan_nor_leave_a_false_entry()
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        string dir = Directory.CreateTempSubdirectory("procaudit-scan-churn-").FullName;
        try
        {
            string invert = Path.Combine(dir, "invert.py");
            File.WriteAllText(invert, Patterns.PipeOrderInversionTests.PythonParent);
            File.WriteAllText(Path.Combine(dir, "churn.py"), Churn);
            using Scenario stable = Scenario.StartProgram(python, invert);
            using Scenario churn = Scenario.StartProgram(python, Path.Combine(dir, "churn.py"), invert);
            Assert.Equal(Verdict.Deadlock, Audits.UntilVerdict(stable.Pid, Verdict.Deadlock).Analysis.Verdict);
            bool InChurn(int pid) => ProcStat.Read(pid) is ProcStat stat && stat.Session == churn.Pid;

            int? ChurnChild() => churn.ChildByComm("python3");
            Assert.True(Scenario.WaitUntil(() => ChurnChild() is not null, TimeSpan.FromSeconds(10)), "the churn started no tree");
            int firstChild = ChurnChild()!.Value;
            for (int run = 0; run < 6; run++)
            {
                CliRun scan = Infrastructure.Cli.Run("scan", "--json", "--interval", "200ms");

                Assert.True(scan.ExitCode == 2, $"exit {scan.ExitCode}: {scan.Stderr}");
                Assert.Equal("", scan.Stderr);
                using JsonDocument doc = JsonDocument.Parse(scan.Stdout);
                List<JsonElement> hangs = doc.RootElement.GetProperty("hangs").EnumerateArray().ToList();
                Assert.Contains(hangs, h => h.GetProperty("root").GetInt32() == stable.Pid && h.GetProperty("pattern").GetString() == "pipe-order-inversion");
                // A churned tree listed at all was a real inversion when read: its parent, never the churn loop (asleep in a timer) above it.
                foreach (JsonElement hang in hangs.Where(h => h.GetProperty("root").GetInt32() != churn.Pid && InChurn(h.GetProperty("root").GetInt32())))
                {
                    Assert.Equal(("python3", "deadlock", "pipe-order-inversion"), (hang.GetProperty("name").GetString(), hang.GetProperty("verdict").GetString(), hang.GetProperty("pattern").GetString()));
                    Assert.Contains(invert, string.Join(" ", hang.GetProperty("cmdline").EnumerateArray().Select(a => a.GetString())));
                }
                Assert.DoesNotContain(hangs, h => h.GetProperty("root").GetInt32() == churn.Pid);
                Assert.DoesNotContain(doc.RootElement.GetProperty("blocked").EnumerateArray(), h => h.GetProperty("root").GetInt32() == churn.Pid);
            }
            // The churn ran throughout: still alive, and the tree it started first is long gone.
            Assert.False(churn.HasExited);
            Assert.True(Scenario.WaitUntil(() => ChurnChild() is int now && now != firstChild, TimeSpan.FromSeconds(5)), "the churn did not replace its tree");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_closed_or_broken_stdout_drops_the_text_and_keeps_the_exit_code_without_a_stack_trace()
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        using Scenario hang = Scenario.StartProgram(python, "-c", Patterns.PipeOrderInversionTests.PythonParent);
        Assert.Equal(Verdict.Deadlock, Audits.UntilVerdict(hang.Pid, Verdict.Deadlock).Analysis.Verdict);

        // fd 1 closed (`scan >&-`), and fd 1 a pipe whose read end is closed before the scan starts (`scan | head -1` once head has gone).
        CliRun closed = Infrastructure.Cli.RunProgram("/bin/sh", "-c", "exec \"$0\" \"$1\" scan --interval 0 >&-", Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll);
        CliRun broken = Infrastructure.Cli.RunProgram(python, "-c",
            "import os, subprocess, sys\nr, w = os.pipe()\nos.close(r)\np = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)\nsys.stderr.write(p.stderr.decode())\nsys.exit(p.returncode)",
            Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll, "scan", "--interval", "0");

        Assert.Equal((2, "", ""), (closed.ExitCode, closed.Stdout, closed.Stderr));
        Assert.Equal((2, "", ""), (broken.ExitCode, broken.Stdout, broken.Stderr));
    }
}
