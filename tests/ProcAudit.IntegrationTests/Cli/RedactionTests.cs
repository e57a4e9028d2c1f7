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

    // The values all share a prefix, so one search finds any of them in an output.
    private const string Secret = "s3cr3t-";

    /// <summary>
    /// env puts MY_TOKEN into the environment of sh (and, inherited, of sleep) and nowhere in an
    /// argv, since env execs sh in place; the argv of sh holds AWS_SECRET_ACCESS_KEY (quoted, with a
    /// space) in its script and DEPLOY_PASSWD as a word, neither of which the option rules catch.
    /// </summary>
    private static readonly string[] s_secretTree =
    {
        "/usr/bin/env", "MY_TOKEN=s3cr3t-env-value", "/bin/sh", "-c",
        "AWS_SECRET_ACCESS_KEY='s3cr3t-argv-value x'; export AWS_SECRET_ACCESS_KEY; sleep 600 & wait",
        "procaudit-redact", "DEPLOY_PASSWD=s3cr3t-argv-word",
    };

    [Fact]
    public void Secrets_in_environment_assignments_reach_no_output_and_the_environment_is_never_read()
    {
        using Scenario tree = Scenario.StartProgram(s_secretTree[0], s_secretTree[1..]);
        Assert.True(Scenario.WaitUntil(() => tree.ChildByComm("sleep") is not null, TimeSpan.FromSeconds(10)), "sleep did not start");
        int sleep = tree.ChildByComm("sleep")!.Value;
        // The secrets really are where the audit could find them if it looked.
        Assert.Contains("MY_TOKEN=s3cr3t-env-value", File.ReadAllText($"/proc/{sleep}/environ"));
        Assert.Contains("AWS_SECRET_ACCESS_KEY=s3cr3t-argv-value x", File.ReadAllText($"/proc/{sleep}/environ"));
        Assert.Contains("MY_TOKEN=s3cr3t-env-value", File.ReadAllText($"/proc/{tree.Pid}/environ"));

        string dir = Directory.CreateTempSubdirectory("procaudit-redact-").FullName;
        try
        {
            Dictionary<string, string> redacted = AuditOutputs(tree.Pid, dir);
            Assert.Contains("sh -c AWS_SECRET_ACCESS_KEY=***; export AWS_SECRET_ACCESS_KEY; sleep 600 & wait procaudit-redact DEPLOY_PASSWD=***", redacted["text"]);
            foreach ((string output, string content) in redacted)
            {
                Assert.False(content.Contains(Secret, StringComparison.Ordinal), $"a secret is in the {output} output:\n{content}");
            }

            Dictionary<string, string> plain = AuditOutputs(tree.Pid, dir, "--no-redact");
            foreach ((string output, string content) in plain)
            {
                Assert.Contains("AWS_SECRET_ACCESS_KEY='s3cr3t-argv-value x'", content);
                Assert.Contains("DEPLOY_PASSWD=s3cr3t-argv-word", content);
                Assert.DoesNotContain("s3cr3t-env-value", content);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Secrets_in_environment_assignments_stay_out_of_the_markdown_of_run()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-redact-").FullName;
        try
        {
            string markdown = Path.Combine(dir, "report.md");
            string json = Path.Combine(dir, "report.json");
            // run audits at --timeout, writes both reports and kills the tree it started.
            CliRun run = Infrastructure.Cli.Run(new[] { "run", "--timeout", "2s", "--deadlock-after", "0", "--markdown", markdown, "--json", json, "--" }.Concat(s_secretTree).ToArray());
            Assert.Equal(124, run.ExitCode);
            string md = File.ReadAllText(markdown);
            Assert.Contains("DEPLOY_PASSWD=***", md);
            foreach ((string output, string content) in new[] { ("markdown", md), ("json", File.ReadAllText(json)), ("stderr", run.Stderr), ("stdout", run.Stdout) })
            {
                Assert.False(content.Contains(Secret, StringComparison.Ordinal), $"a secret is in the {output} output:\n{content}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_recorded_tree_for_a_bug_report_holds_no_secret_and_no_environment()
    {
        using Scenario tree = Scenario.StartProgram(s_secretTree[0], s_secretTree[1..]);
        Assert.True(Scenario.WaitUntil(() => tree.ChildByComm("sleep") is not null, TimeSpan.FromSeconds(10)), "sleep did not start");
        string dir = Directory.CreateTempSubdirectory("procaudit-record-").FullName;
        try
        {
            CliRun run = Infrastructure.Cli.Run("record", tree.Pid.ToString(CultureInfo.InvariantCulture), dir);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}");

            string cmdline = File.ReadAllText(Path.Combine(dir, "proc", tree.Pid.ToString(CultureInfo.InvariantCulture), "cmdline"));
            Assert.Contains("DEPLOY_PASSWD=***", cmdline);
            foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).LinkTarget is null))
            {
                Assert.False(File.ReadAllText(file).Contains(Secret, StringComparison.Ordinal), $"a secret is in {Path.GetRelativePath(dir, file)}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The text, JSON report and snapshot of one audit through the CLI.</summary>
    private static Dictionary<string, string> AuditOutputs(int pid, string dir, params string[] extra)
    {
        string json = Path.Combine(dir, "report.json");
        string snapshot = Path.Combine(dir, "snapshot.json");
        CliRun run = Infrastructure.Cli.Run(new[] { pid.ToString(CultureInfo.InvariantCulture), "--interval", "0", "--json", json, "--snapshot", snapshot }.Concat(extra).ToArray());
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}");
        return new Dictionary<string, string> { ["text"] = run.Stdout, ["json"] = File.ReadAllText(json), ["snapshot"] = File.ReadAllText(snapshot) };
    }
}
