using System.Collections.Immutable;
using ProcAudit.Capture;

namespace ProcAudit.Tests.Hardening;

/// <summary>Reports end up as CI artefacts: secrets in command lines never reach them.</summary>
public sealed class RedactorTests
{
    [Theory]
    [InlineData(new[] { "mysqldump", "--password", "hunter2", "db" }, new[] { "mysqldump", "--password", "***", "db" })]
    [InlineData(new[] { "tool", "--token=abc.def" }, new[] { "tool", "--token=***" })]
    [InlineData(new[] { "tool", "--api-key", "k1" }, new[] { "tool", "--api-key", "***" })]
    [InlineData(new[] { "tool", "--client-secret=s3" }, new[] { "tool", "--client-secret=***" })]
    [InlineData(new[] { "curl", "-H", "Authorization: Bearer eyJabc" }, new[] { "curl", "-H", "Authorization: ***" })]
    [InlineData(new[] { "app", "Server=db;User Id=sa;Password=P@ss;" }, new[] { "app", "Server=db;User Id=sa;Password=***;" })]
    [InlineData(new[] { "git", "clone", "https://user:ghp_token@github.com/x/y" }, new[] { "git", "clone", "https://user:***@github.com/x/y" })]
    [InlineData(new[] { "ls", "-la", "/tmp" }, new[] { "ls", "-la", "/tmp" })]
    [InlineData(new[] { "mysql", "-uroot", "-phunter2", "db" }, new[] { "mysql", "-uroot", "-p***", "db" })]
    [InlineData(new[] { "/usr/bin/mysqldump", "-p", "hunter2" }, new[] { "/usr/bin/mysqldump", "-p", "***" })]
    [InlineData(new[] { "ssh", "-p", "2222", "host" }, new[] { "ssh", "-p", "2222", "host" })]
    public void Secrets_in_command_lines_are_masked_and_nothing_else_changes(string[] args, string[] expected)
    {
        Assert.Equal(expected, Redactor.RedactCmdline(args.ToImmutableArray()));
    }
}
