using System.Diagnostics;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>Processes that exec while they are read are never reported with one program's name and another's command line.</summary>
public sealed class ExecRaceTests
{
    /// <summary>
    /// Run as DIR/flipa or DIR/flipb, it execs the other one after half a millisecond, forever. The
    /// kernel names the process after the file exec'd (comm), and argv[0] is that same path, so in
    /// one image the name and the command line always agree.
    /// </summary>
    private const string Flip = """
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            const char *me = strrchr(argv[0], '/') + 1;
            char next[4096];
            snprintf(next, sizeof next, "%s/%s", argv[1], strcmp(me, "flipa") == 0 ? "flipb" : "flipa");
            usleep(500);
            execl(next, next, argv[1], (char *)0);
            return 1;
        }
        """;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    [Fact]
    public void Processes_that_exec_continuously_come_out_with_matching_name_and_command_line_or_a_note()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-exec-").FullName;
        try
        {
            string program = CPrograms.Compile(dir, "flip", Flip);
            File.CreateSymbolicLink(Path.Combine(dir, "flipa"), program);
            File.CreateSymbolicLink(Path.Combine(dir, "flipb"), program);
            string flipa = Path.Combine(dir, "flipa");
            using Scenario tree = Scenario.StartShell($"for i in 1 2 3 4; do '{flipa}' '{dir}' & done; wait");
            Assert.True(Scenario.WaitUntil(() => tree.Descendants().Count >= 4, TimeSpan.FromSeconds(10)), "the flippers did not start");

            Auditor auditor = new(new AuditOptions { Interval = TimeSpan.Zero });
            Stopwatch elapsed = Stopwatch.StartNew();
            int audits = 0, flippersSeen = 0, notes = 0;
            List<string> mixed = new();
            while (audits < 50 && elapsed.Elapsed < s_bound)
            {
                Snapshot snapshot = auditor.Audit(tree.Pid).Snapshot;
                audits++;
                HashSet<int> changing = snapshot.Notes.Where(n => n.Kind == "changed" && n.Pid is not null).Select(n => n.Pid!.Value).ToHashSet();
                notes += changing.Count;
                foreach (ProcessInfo p in snapshot.Processes.Where(p => p.Name is "flipa" or "flipb" && !p.Cmdline.IsDefaultOrEmpty))
                {
                    flippersSeen++;
                    string argv0 = Path.GetFileName(p.Cmdline[0]);
                    string? mainThread = p.Threads.FirstOrDefault(t => t.Tid == p.Pid)?.Name;
                    if ((argv0 != p.Name || (mainThread is not null && mainThread != p.Name)) && !changing.Contains(p.Pid))
                    {
                        mixed.Add($"audit {audits}: {p.Pid} named {p.Name}, main thread {mainThread}, command line {string.Join(' ', p.Cmdline)}");
                    }
                }
            }

            Assert.True(audits >= 10, $"only {audits} audits in {s_bound.TotalSeconds} s");
            Assert.True(flippersSeen >= audits, $"{flippersSeen} flipper records with a command line in {audits} audits ({notes} notes)");
            Assert.True(mixed.Count == 0, $"{mixed.Count} of {flippersSeen} records mix two programs:\n{string.Join('\n', mixed.Take(10))}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
