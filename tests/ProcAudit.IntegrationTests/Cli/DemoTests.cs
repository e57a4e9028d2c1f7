using System.Text.Json;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>The README's first command: a real deadlock, explained, then cleaned up.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_finds_its_pipe_order_inversion_writes_json_and_leaves_nothing_running()
    {
        string json = Path.Combine(Path.GetTempPath(), $"procaudit-demo-{Guid.NewGuid():N}.json");
        try
        {
            CliRun run = Infrastructure.Cli.Run("demo", "--json", json);

            Assert.Equal(0, run.ExitCode);
            string[] lines = run.Stdout.Split('\n');
            Assert.StartsWith("DEADLOCK in the tree of dotnet ", lines[0]);
            Assert.Contains("[pipe-order-inversion]", run.Stdout);
            Assert.Contains("65536/65536 bytes full", run.Stdout);

            string text = File.ReadAllText(json);
            NJsonSchema.JsonSchema schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(Repository.Root, "docs", "report.schema.json"));
            Assert.Empty(schema.Validate(text).Select(e => e.ToString()));
            using JsonDocument doc = JsonDocument.Parse(text);
            JsonElement root = doc.RootElement;
            Assert.Equal("deadlock", root.GetProperty("verdict").GetString());
            JsonElement cycle = Assert.Single(root.GetProperty("cycles").EnumerateArray());
            Assert.Equal("pipe-order-inversion", cycle.GetProperty("pattern").GetString());
            int parent = root.GetProperty("root").GetInt32();

            // The demo killed its pair: neither the parent nor its child survives.
            Assert.True(Scenario.WaitUntil(() => !IsAlive(parent), TimeSpan.FromSeconds(5)), $"demo parent {parent} is still running");
            Assert.Empty(DemoProcesses());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void Json_to_stdout_moves_the_text_report_to_stderr()
    {
        using Scenario tree = Scenario.StartProgram("/bin/sleep", "600");
        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--interval", "0", "--json", "-");
        Assert.Equal(0, run.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal(tree.Pid, doc.RootElement.GetProperty("root").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.StartsWith($"IDLE: nothing in the tree of sleep {tree.Pid} moved (single sample, so progress was not measured), and every wait ends in a timer or outside the tree: sleep {tree.Pid} sleeps for 600 s (", run.Stderr);
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<int> DemoProcesses()
    {
        List<int> found = new();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains("demo-parent") || cmdline.Contains("demo-child"))
                {
                    found.Add(int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }
        return found;
    }
}
