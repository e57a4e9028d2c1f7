namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>What a run of the command-line tool printed and returned.</summary>
/// <param name="Survivors">Live processes still in the run's session after the tool exited, before they were killed.</param>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr, IReadOnlyList<ProcStat> Survivors);

/// <summary>Runs the real dotnet-procaudit, as a user would, bounded in time, in a session of its own that is killed afterwards.</summary>
internal static class Cli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>How long processes the tool killed on its way out get to go away before they count as survivors.</summary>
    private static readonly TimeSpan s_survivorSettle = TimeSpan.FromSeconds(5);

    public static string ToolDll => Path.Combine(AppContext.BaseDirectory, "dotnet-procaudit.dll");

    public static CliRun Run(params string[] args) => RunProgram(DotnetHost(), new[] { ToolDll }.Concat(args).ToArray());

    public static CliRun RunProgram(string file, params string[] args) => RunProgram(s_timeout, file, args);

    public static CliRun RunProgram(TimeSpan timeout, string file, params string[] args)
    {
        Dictionary<string, string?> environment = new Dictionary<string, string?>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        CommandResult result = BoundedCommand.Run(file, args, timeout, environment: environment, survivorSettle: s_survivorSettle);
        return new CliRun(result.ExitCode, result.Stdout, result.Stderr, result.Survivors);
    }

    /// <summary>N in "<paramref name="prefix"/>N s ...": a duration the tool reports by its own clock.</summary>
    public static double SecondsAfter(string text, string prefix)
    {
        int start = text.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length;
        return double.Parse(text[start..text.IndexOf(" s", start, StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Executables.FindOnPath("dotnet") ?? "dotnet";
}
