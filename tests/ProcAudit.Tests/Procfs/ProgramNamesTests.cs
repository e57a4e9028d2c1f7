using ProcAudit.Capture;

namespace ProcAudit.Tests.Procfs;

/// <summary>The names -n NAME finds a process by: what people type, not only the kernel's comm.</summary>
public sealed class ProgramNamesTests
{
    [Theory]
    [InlineData("msbuild", "dotnet", "/usr/share/dotnet/dotnet /usr/share/dotnet/sdk/9.0.100/MSBuild.dll -nologo -nodemode:1")]
    [InlineData("MSBuild.dll", "dotnet", "dotnet exec --runtimeconfig x.json /sdk/MSBuild.dll")]
    [InlineData("dotnet", "dotnet", "dotnet /sdk/MSBuild.dll")]
    [InlineData("build", "python3", "python3 -u build.py --jobs 4")]
    [InlineData("build.py", "python3.11", "/usr/bin/python3.11 /src/build.py")]
    [InlineData("pytest", "python3", "python3 -m pytest -x")]
    [InlineData("server", "java", "java -Xmx1g -jar /opt/server.jar")]
    [InlineData("deploy", "bash", "/bin/bash ./deploy.sh prod")]
    [InlineData("SLEEP", "sleep", "sleep 600")]
    [InlineData("a-long-program-name", "a-long-program-", "")]
    [InlineData("testhost", "testhost", "/app/testhost --port 4000")]
    public void A_process_answers_to_its_comm_its_program_and_the_program_its_host_runs(string query, string comm, string cmdline)
    {
        Assert.True(ProgramNames.Matches(query, comm, Split(cmdline)), string.Join(", ", ProgramNames.Of(comm, Split(cmdline))));
    }

    [Theory]
    [InlineData("sleep", "sleepy", "sleepy 600")]
    [InlineData("msbuild", "dotnet", "dotnet test --filter MSBuild")]
    [InlineData("print", "python3", "python3 -c print(1)")]
    [InlineData("600", "sleep", "sleep 600")]
    [InlineData("x", "sh", "sh -c x")]
    [InlineData("a-long-program-other", "a-long-program-", "/bin/a-long-program-name")]
    public void Names_match_whole_and_arguments_are_not_programs(string query, string comm, string cmdline)
    {
        Assert.False(ProgramNames.Matches(query, comm, Split(cmdline)), string.Join(", ", ProgramNames.Of(comm, Split(cmdline))));
    }

    private static string[] Split(string cmdline) => cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
