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

    [Theory]
    [InlineData(new[] { "env", "GITHUB_TOKEN=ghp_x1", "make" }, new[] { "env", "GITHUB_TOKEN=***", "make" })]
    [InlineData(new[] { "docker", "run", "-e", "AWS_SECRET_ACCESS_KEY=wJalr/K7", "img" }, new[] { "docker", "run", "-e", "AWS_SECRET_ACCESS_KEY=***", "img" })]
    [InlineData(new[] { "docker", "run", "--env=AWS_ACCESS_KEY_ID=AKIA1", "img" }, new[] { "docker", "run", "--env=AWS_ACCESS_KEY_ID=***", "img" })]
    [InlineData(new[] { "app", "FOO_PASSWORD=p@ss word" }, new[] { "app", "FOO_PASSWORD=***" })]
    [InlineData(new[] { "env", "DB_PASSWD=x", "PGPASSWORD=y", "ssh_passphrase=z", "deploy_keys=k", "run" }, new[] { "env", "DB_PASSWD=***", "PGPASSWORD=***", "ssh_passphrase=***", "deploy_keys=***", "run" })]
    [InlineData(new[] { "sh", "-c", "API_KEY=abc ./deploy --fast" }, new[] { "sh", "-c", "API_KEY=*** ./deploy --fast" })]
    [InlineData(new[] { "bash", "-ec", "export MY_SECRET='a b;c' && NPM_TOKEN=\"x y\" npm ci; echo done" }, new[] { "bash", "-ec", "export MY_SECRET=*** && NPM_TOKEN=*** npm ci; echo done" })]
    [InlineData(new[] { "sh", "-c", "(SESSION_KEY=k1|cat)" }, new[] { "sh", "-c", "(SESSION_KEY=***|cat)" })]
    [InlineData(new[] { "env", "EMPTY_TOKEN=", "run" }, new[] { "env", "EMPTY_TOKEN=", "run" })]
    public void Secret_values_of_environment_style_assignments_are_masked(string[] args, string[] expected)
    {
        Assert.Equal(expected, Redactor.RedactCmdline(args.ToImmutableArray()));
    }

    [Theory]
    [InlineData("env", "KEYBOARD=us", "KEYMAP=de", "TOKENIZERS_PARALLELISM=false", "LANG=C", "make")]
    [InlineData("gpg", "--keyring=/etc/apt/trusted.gpg", "--keyid-format=long")]
    [InlineData("sh", "-c", "KEYRING_DIR=/etc/keys SECRETARY=bob make")]
    [InlineData("make", "CFLAGS=-O2", "PREFIX=/usr")]
    public void Names_that_only_begin_with_a_secret_word_keep_their_values(params string[] args)
    {
        Assert.Equal(args, Redactor.RedactCmdline(args.ToImmutableArray()));
    }
}
