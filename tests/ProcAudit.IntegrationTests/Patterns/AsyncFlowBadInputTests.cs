using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// Issue 17's bad input through the command-line tool: a program started with DOTNET_EnableDiagnostics=0, and a
/// program that exits while the .NET view reads it (100,000 pending tasks, so the read takes long enough to be
/// caught). Each costs at most a note; the rest of the report stands, and the audit ends.
/// </summary>
public sealed class AsyncFlowBadInputTests
{
    [Fact]
    public void With_diagnostics_disabled_the_async_deadlock_is_still_named_and_the_kernel_view_is_whole()
    {
        string scenarios = ScenarioPrograms.AssemblyPath(typeof(Scenario).Assembly);
        using Scenario tree = Scenario.StartShell($"DOTNET_EnableDiagnostics=0 exec '{Infrastructure.Cli.DotnetHost()}' '{scenarios}' async-abba");
        CliRun run = AsyncFlowVerdictTests.Until(tree.Pid, r => r.ExitCode == 2);

        // ClrMD reads memory and needs no diagnostics port; the EventPipe sample, which does, is not needed for blocked threads.
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"DEADLOCK in the tree of dotnet {tree.Pid}: 1 wait cycle (async-lock-order-inversion).", run.Stderr);
        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        JsonElement process = report.RootElement.GetProperty("processes")[0];
        Assert.Equal(tree.Pid, process.GetProperty("pid").GetInt32());
        JsonElement main = Assert.Single(process.GetProperty("threads").EnumerateArray(), t => t.GetProperty("tid").GetInt32() == tree.Pid);
        Assert.Equal("S", main.GetProperty("state").GetString());
        Assert.Contains(main.GetProperty("managedStack").EnumerateArray(), f => f.GetString()!.StartsWith("System.Threading.Tasks.Task", StringComparison.Ordinal));
        Assert.True(process.GetProperty("fds").GetArrayLength() >= 3, "the kernel's view of the fds is missing");
    }

    [Fact]
    public async Task A_program_that_exits_while_the_dotnet_view_reads_it_costs_a_note_and_the_audit_ends()
    {
        Scenario tree = Scenario.StartScenarioVerb("async-many");
        try
        {
            // Started: the heap holds the flows (an audit sees them).
            AsyncFlowVerdictTests.Until(tree.Pid, r => r.Stdout.Contains("\"async-flows\"", StringComparison.Ordinal));

            Task<CliRun> audit = Task.Run(() => Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture), "--json", "-"));
            // This run's .NET view is the one started from this test's copy of the tool (other test runs may read other programs).
            Assert.True(Scenario.WaitUntil(() => ViewRunning() || audit.IsCompleted, TimeSpan.FromSeconds(60)), "no .NET view started");
            Assert.False(audit.IsCompleted, "the audit ended before its .NET view could be caught reading");
            Thread.Sleep(300);
            tree.Dispose();

            // Cli.Run is bounded (60 s), so the await ends.
            CliRun run = await audit;
            Assert.True(run.ExitCode is 0 or 2 or 3 or 4 or 6, $"exit {run.ExitCode}:\n{run.Stderr}");
            using JsonDocument report = JsonDocument.Parse(run.Stdout);
            string[] notes = report.RootElement.GetProperty("notes").EnumerateArray()
                .Where(n => n.TryGetProperty("pid", out JsonElement pid) && pid.ValueKind == JsonValueKind.Number && pid.GetInt32() == tree.Pid)
                .Select(n => $"{n.GetProperty("kind").GetString()}: {n.GetProperty("message").GetString()}")
                .ToArray();
            Assert.True(notes.Any(n => n.StartsWith("gone: ", StringComparison.Ordinal) || n.StartsWith("unreadable: ", StringComparison.Ordinal)), string.Join("\n", notes) + "\n" + run.Stderr);
        }
        finally
        {
            tree.Dispose();
        }
    }

    [Fact]
    public void A_hundred_thousand_pending_tasks_give_a_bounded_folded_report_with_the_count_in_a_note()
    {
        // 50,000 flows of two frames, each awaiting one TaskCompletionSource nothing completes.
        using Scenario tree = Scenario.StartScenarioVerb("async-many");
        // Started: the heap holds the flows (an audit sees them).
        AsyncFlowVerdictTests.Until(tree.Pid, r => r.Stdout.Contains("\"async-flows\"", StringComparison.Ordinal));

        System.Diagnostics.Stopwatch took = System.Diagnostics.Stopwatch.StartNew();
        CliRun text = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture));
        Assert.True(took.Elapsed < TimeSpan.FromSeconds(30), $"the audit took {took.Elapsed.TotalSeconds:0.0} s");

        // Never running: every flow waits on a promise nothing completes; the listing is bounded and folded.
        Assert.True(text.ExitCode == 6, $"exit {text.ExitCode}\n{text.Stdout}\n{text.Stderr}");
        Assert.StartsWith($"BLOCKED: nothing in the tree of dotnet {tree.Pid} moved in ", text.Stdout);
        // All 50,000 flows, or, on a loaded machine, those found before the walk's deadline: the count and the note say which.
        Match pending = Regex.Match(text.Stdout, @"\n    async flows: ([\d,]+) pending( \(the first ([\d,]+) listed\))?\n");
        if (!pending.Success)
        {
            // Or none, when a read of the heap ran past its budget: then a note says so, and the rest stands.
            Assert.Contains($"timeout: async flows of {tree.Pid}: The async flows of process {tree.Pid} were not read within ", text.Stdout);
            Assert.Contains($"\n  {tree.Pid} dotnet [S] audited root, dotnet", text.Stdout);
            return;
        }
        int found = int.Parse(pending.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        int listed = pending.Groups[3].Success ? int.Parse(pending.Groups[3].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : found;
        Assert.InRange(found, 1, 50_000);
        Assert.Equal(Math.Min(found, 1_000), listed);
        Assert.Matches(@"\n      ProcAudit\.Scenarios\.AsyncFlows\.Handle@0 \(AsyncFlows\.cs:\d+\) > ProcAudit\.Scenarios\.AsyncFlows\.WaitForGate@0 \(AsyncFlows\.cs:\d+\) \[awaits promise promise:\d+:0x[0-9a-f]+\]( \(x\d+\))?\n", text.Stdout);
        if (found > 1_000)
        {
            Assert.Contains($"partial: async flows of {tree.Pid}: ", text.Stdout);
            Assert.Contains($"{found.ToString("N0", CultureInfo.InvariantCulture)} flows were found; the first 1,000 by address are listed, and every flow is counted in the shapes.", text.Stdout);
        }
        if (found < 50_000)
        {
            Assert.Contains("The walk of the heap stopped at its deadline after ", text.Stdout);
        }
        Assert.True(text.Stdout.Length < 200_000, $"the text report is {text.Stdout.Length:N0} characters long");
    }

    /// <summary>Whether a dotnet-view process of this test's tool copy is running.</summary>
    private static bool ViewRunning()
    {
        string tool = Infrastructure.Cli.ToolDll;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                string[] args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Contains("dotnet-view") && args.Any(a => Path.GetDirectoryName(a) == Path.GetDirectoryName(tool) || a.StartsWith(Path.GetDirectoryName(tool)! + "/managed/", StringComparison.Ordinal)))
                {
                    return true;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return false;
    }
}
