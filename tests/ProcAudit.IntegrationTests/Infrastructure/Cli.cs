using System.Diagnostics;

namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>What a run of the command-line tool printed and returned.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the real dotnet-procaudit, as a user would, bounded in time.</summary>
internal static class Cli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static string ToolDll => Path.Combine(AppContext.BaseDirectory, "dotnet-procaudit.dll");

    public static CliRun Run(params string[] args) => RunProgram(DotnetHost(), new[] { ToolDll }.Concat(args).ToArray());

    public static CliRun RunProgram(string file, params string[] args) => RunProgram(s_timeout, file, args);

    public static CliRun RunProgram(TimeSpan timeout, string file, params string[] args)
    {
        ProcessStartInfo start = new(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (!process.WaitForExit(timeout))
            {
                throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s");
            }
            process.WaitForExit();
            return new CliRun(process.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Executables.FindOnPath("dotnet") ?? "dotnet";
}
