using System.Security;
using System.Text;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests.Infrastructure;

/// <summary>
/// Runs a real <c>dotnet build</c> of a sample project from tests/msbuild-samples, in a fresh copy,
/// restoring ProcAudit.MSBuild from the <see cref="PackageFeed"/>; bounded in time, in its own
/// session, and with everything it started killed before the result is returned.
/// </summary>
internal sealed class SampleBuild
{
    public const string NuGetOrg = "https://api.nuget.org/v3/index.json";

    /// <summary>How long, after the build exits, its leftovers get to go away before they count as survivors.</summary>
    private static readonly TimeSpan s_survivorSettle = TimeSpan.FromSeconds(1);

    /// <summary>How long a build may take to end once it has been interrupted.</summary>
    private static readonly TimeSpan s_interruptBound = TimeSpan.FromSeconds(60);

    private readonly PackageFeed _feed;
    private readonly ITestOutputHelper _output;

    public SampleBuild(PackageFeed feed, ITestOutputHelper output)
    {
        _feed = feed;
        _output = output;
    }

    /// <summary>
    /// Builds <paramref name="target"/> of tests/msbuild-samples/<paramref name="sample"/>/<paramref name="sample"/>.csproj;
    /// past <paramref name="timeout"/> the build is killed and the result says so.
    /// </summary>
    public BuildResult Run(string sample, string target, TimeSpan timeout, params string[] extraArgs)
    {
        BuildResult result = Execute(sample, target, timeout, null, extraArgs);
        _output.WriteLine(result.ToString());
        return result;
    }

    /// <summary>
    /// Like <see cref="Run"/>, but once per test run for the same arguments: tests that assert
    /// different things about one build share it (each still gets the log in its output).
    /// </summary>
    public BuildResult RunShared(string sample, string target, TimeSpan timeout, params string[] extraArgs)
    {
        string key = string.Join('\u001f', new[] { "run", sample, target, timeout.ToString() }.Concat(extraArgs));
        BuildResult result = _feed.Shared(key, () => Execute(sample, target, timeout, null, extraArgs));
        _output.WriteLine($"(a build shared with other tests)\n{result}");
        return result;
    }

    /// <summary>
    /// Starts the build, waits until a process in its session has exactly the command line
    /// <paramref name="waitForCommandLine"/> (so the interrupt hits the command, not the restore),
    /// then waits <paramref name="after"/>, sends SIGINT to the `dotnet build` process as Ctrl+C
    /// would, and waits (bounded) for the build to end.
    /// </summary>
    public BuildResult RunAndInterrupt(string sample, string target, TimeSpan after, string waitForCommandLine)
    {
        BuildResult result = Execute(sample, target, s_interruptBound, new Interruption(after, waitForCommandLine), []);
        _output.WriteLine(result.ToString());
        return result;
    }

    /// <summary><see cref="RunAndInterrupt"/>, once per test run for the same arguments.</summary>
    public BuildResult RunAndInterruptShared(string sample, string target, TimeSpan after, string waitForCommandLine)
    {
        string key = string.Join('\u001f', "interrupt", sample, target, after.ToString(), waitForCommandLine);
        BuildResult result = _feed.Shared(key, () => Execute(sample, target, s_interruptBound, new Interruption(after, waitForCommandLine), []));
        _output.WriteLine($"(a build shared with other tests)\n{result}");
        return result;
    }

    private BuildResult Execute(string sample, string target, TimeSpan timeout, Interruption? interruption, string[] extraArgs)
    {
        string source = Path.Combine(Repository.SamplesDirectory, sample);
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"no sample {source}");
        }

        string buildDirectory = _feed.NewBuildDirectory(sample, target);
        string projectDirectory = Path.Combine(buildDirectory, sample);
        CopyDirectory(source, projectDirectory);
        WriteIsolationFiles(buildDirectory);
        WriteNuGetConfig(projectDirectory);

        string project = Path.Combine(projectDirectory, sample + ".csproj");
        List<string> args =
        [
            "build", project, "-t:" + target, "-nodeReuse:false", "-p:ProcAuditVersion=" + _feed.Version, "-v:n",
            // The classic console logger, whatever the terminal or the environment says: the
            // tests read its lines.
            "-tl:off",
        ];
        args.AddRange(extraArgs);
        Dictionary<string, string> environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = _feed.PackagesDirectory,
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        string commandLine = "dotnet " + string.Join(' ', args);

        SessionProcess build = SessionProcess.Start(SessionProcess.DotnetHost(), args, projectDirectory, environment);
        try
        {
            TimeSpan? interruptedAt = null;
            TimeSpan? exitedAfterInterrupt = null;
            ProcessEntry? seenBeforeInterrupt = null;
            bool exited;
            if (interruption is Interruption interrupt)
            {
                seenBeforeInterrupt = build.WaitForMember(p => p.CommandLine == interrupt.WaitForCommandLine, timeout);
                if (seenBeforeInterrupt is not null)
                {
                    Thread.Sleep(interrupt.After);
                }

                interruptedAt = build.Elapsed;
                build.Interrupt();
                exited = build.WaitForExitFromNow(timeout);
                if (exited)
                {
                    exitedAfterInterrupt = build.Elapsed - interruptedAt;
                }
            }
            else
            {
                exited = build.WaitForExit(timeout);
            }

            TimeSpan elapsed = build.Elapsed;
            int exitCode = exited ? build.ExitCode : -1;

            // Before anything is killed: what the build left running is part of the result.
            IReadOnlyList<ProcessEntry> survivors = build.Survivors(exited ? s_survivorSettle : TimeSpan.Zero);
            build.KillSessionAndDrain();

            BuildResult result = new BuildResult(
                sample, target, commandLine, projectDirectory, build.Output, exitCode, elapsed, !exited, build.SessionId,
                survivors, seenBeforeInterrupt, interruptedAt, exitedAfterInterrupt);

            // Beside the copy, for a look afterwards (see PackageFeed.KeepVariable).
            File.WriteAllText(Path.Combine(buildDirectory, "build.log"), result.ToString());
            return result;
        }
        finally
        {
            // Whatever happened above (an exception included), nothing of this build outlives it.
            build.Dispose();
        }
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.GetDirectories(source))
        {
            string name = Path.GetFileName(directory);

            // Outputs of someone building the sample in place would be stale here.
            if (name is "bin" or "obj")
            {
                continue;
            }

            CopyDirectory(directory, Path.Combine(destination, name));
        }
    }

    /// <summary>
    /// MSBuild imports the first Directory.Build.props/.targets it finds above the project: empty
    /// ones right above the copy keep whatever lies above the temp directory out of the build.
    /// </summary>
    private static void WriteIsolationFiles(string buildDirectory)
    {
        const string Empty = "<Project>\n  <!-- Stops MSBuild's search for this file here. -->\n</Project>\n";
        File.WriteAllText(Path.Combine(buildDirectory, "Directory.Build.props"), Empty);
        File.WriteAllText(Path.Combine(buildDirectory, "Directory.Build.targets"), Empty);
    }

    /// <summary>
    /// Only the local feed and nuget.org (served here through a mirror), and the package under
    /// test only from the feed: even if a source had a package of the same id and version, the
    /// build would get the one just packed.
    /// </summary>
    private void WriteNuGetConfig(string projectDirectory)
    {
        string feed = SecurityElement.Escape(_feed.FeedDirectory);
        StringBuilder config = new StringBuilder();
        config.AppendLine("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        config.AppendLine("<configuration>");
        config.AppendLine("  <packageSources>");
        config.AppendLine("    <clear />");
        config.AppendLine($"    <add key=\"procaudit-local\" value=\"{feed}\" />");
        config.AppendLine($"    <add key=\"nuget.org\" value=\"{NuGetOrg}\" protocolVersion=\"3\" />");
        config.AppendLine("  </packageSources>");
        config.AppendLine("  <packageSourceMapping>");
        config.AppendLine("    <clear />");
        config.AppendLine("    <packageSource key=\"procaudit-local\">");
        config.AppendLine($"      <package pattern=\"{PackageFeed.PackageId}\" />");
        config.AppendLine("    </packageSource>");
        config.AppendLine("    <packageSource key=\"nuget.org\">");
        config.AppendLine("      <package pattern=\"*\" />");
        config.AppendLine("    </packageSource>");
        config.AppendLine("  </packageSourceMapping>");
        config.AppendLine("</configuration>");
        File.WriteAllText(Path.Combine(projectDirectory, "nuget.config"), config.ToString());
    }

    private readonly record struct Interruption(TimeSpan After, string WaitForCommandLine);
}
