using System.Globalization;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>Command-line secrets are redacted in every output by default; --no-redact shows them.</summary>
public sealed class RedactionTests
{
    [Fact]
    public void A_password_on_a_command_line_is_redacted_in_text_and_json_unless_no_redact()
    {
        // sh keeps the words after its script as $0 and $1, so they stay in its command line.
        using Scenario tree = Scenario.StartProgram("/bin/sh", "-c", "sleep 600", "--password", "hunter2");
        string pid = tree.Pid.ToString(CultureInfo.InvariantCulture);
        string json = Path.Combine(Path.GetTempPath(), $"procaudit-redact-{Guid.NewGuid():N}.json");
        try
        {
            CliRun redacted = Infrastructure.Cli.Run(pid, "--interval", "0", "--json", json);
            Assert.Equal(0, redacted.ExitCode);
            Assert.Contains("sh -c sleep 600 --password ***", redacted.Stdout);
            Assert.DoesNotContain("hunter2", redacted.Stdout);
            Assert.DoesNotContain("hunter2", File.ReadAllText(json));

            CliRun plain = Infrastructure.Cli.Run(pid, "--interval", "0", "--no-redact");
            Assert.Contains("sh -c sleep 600 --password hunter2", plain.Stdout);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
