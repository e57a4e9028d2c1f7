using System.Globalization;
using System.Text.Json;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>`procaudit ps`: the processes whose runtime ProcAudit reads, like dotnet-trace ps.</summary>
public sealed class PsTests
{
    [Fact]
    public void Ps_lists_a_python_process_with_its_version_and_redacted_command_line_and_leaves_out_plain_programs()
    {
        using Scenario python = Scenario.StartProgram("python3", "-c", "import time; time.sleep(600)", "--password=hunter2");
        using Scenario plain = Scenario.StartProgram("/bin/sleep", "600");
        string version = Infrastructure.Cli.RunProgram("python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Stdout.Trim();
        Assert.Matches(@"^3\.\d+$", version);
        Assert.True(Scenario.WaitUntil(() => File.ReadAllText($"/proc/{python.Pid}/comm").Trim() == "python3", TimeSpan.FromSeconds(10)), "python3 did not start");

        CliRun run = Infrastructure.Cli.Run("ps");

        Assert.Equal(0, run.ExitCode);
        string[] lines = run.Stdout.TrimEnd('\n').Split('\n');
        string line = Assert.Single(lines, l => l.TrimStart().StartsWith(python.Pid.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
        Assert.Matches($@"^ *{python.Pid}  python3 +python {Regex(version)} +\S*python3 -c import time; time.sleep\(600\) --password=\*\*\*$", line);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith(plain.Pid.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
        // Never the tool itself, a .NET process.
        Assert.DoesNotContain("dotnet-procaudit.dll ps", run.Stdout);

        CliRun json = Infrastructure.Cli.Run("ps", "--json");
        Assert.Equal(0, json.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(json.Stdout);
        JsonElement entry = Assert.Single(doc.RootElement.EnumerateArray(), e => e.GetProperty("pid").GetInt32() == python.Pid);
        Assert.Equal(("python3", "python", version), (entry.GetProperty("name").GetString(), entry.GetProperty("runtime").GetString(), entry.GetProperty("runtimeVersion").GetString()));
        Assert.Equal("--password=***", entry.GetProperty("cmdline").EnumerateArray().Last().GetString());
        Assert.DoesNotContain(doc.RootElement.EnumerateArray(), e => e.GetProperty("pid").GetInt32() == plain.Pid);
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}
