using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>A runtime loaded after the first audit of a process is still seen by the next audit of the same auditor.</summary>
public sealed class RuntimeDetectionTests
{
    /// <summary>
    /// One thread waits for a file, then maps the runtime library named by argv[1] and starts a second thread: the
    /// order the dotnet host follows (hostfxr on one thread, then libcoreclr.so, then the runtime's threads).
    /// </summary>
    private const string LateLoad = """
        #include <dlfcn.h>
        #include <pthread.h>
        #include <stdio.h>
        #include <unistd.h>
        static void *idle(void *arg) { (void)arg; for (;;) pause(); return 0; }
        int main(int argc, char **argv) {
            while (access(argv[2], F_OK) != 0) usleep(20000);
            if (!dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) { fprintf(stderr, "%s\n", dlerror()); return 1; }
            pthread_t t;
            pthread_create(&t, 0, idle, 0);
            for (;;) pause();
        }
        """;

    [Fact]
    public void A_script_named_python3_that_execs_python3_is_python_at_the_next_audit()
    {
        // What a pyenv shim does: bash runs a script named python3, which execs the real interpreter in the same
        // process; the name stays python3 and the interpreter keeps the one thread bash had.
        string dir = Directory.CreateTempSubdirectory("procaudit-shim-").FullName;
        try
        {
            string python = RealPython(dir);
            string go = Path.Combine(dir, "go");
            string shim = Path.Combine(dir, "python3");
            File.WriteAllText(shim, $"#!/bin/bash\nwhile [ ! -e '{go}' ]; do sleep 0.02; done\nexec '{python}' -c 'import time; time.sleep(3600)'\n");
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            using Scenario tree = Scenario.StartProgram(shim);

            Auditor auditor = new(new AuditOptions());
            Assert.True(Scenario.WaitUntil(() => auditor.Audit(tree.Pid).Snapshot.FindProcess(tree.Pid) is { Name: "python3", Runtime: null }, TimeSpan.FromSeconds(10)),
                "the shim was never seen as bash named python3");

            File.WriteAllText(go, "");
            Assert.True(Scenario.WaitUntil(() => File.ReadAllText($"/proc/{tree.Pid}/cmdline").StartsWith(python + "\0", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
                "the shim did not exec python");

            ProcessInfo after = auditor.Audit(tree.Pid).Snapshot.FindProcess(tree.Pid)!;
            Assert.Equal(("python3", "python"), (after.Name, after.Runtime));
            Assert.Single(after.Threads);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The interpreter itself, not a shim in front of it (on PATH, python3 may be pyenv's).</summary>
    private static string RealPython(string dir)
    {
        CommandResult where = BoundedCommand.Run(Prerequisites.Python3(), ["-c", "import os, sys; print(os.path.realpath(sys.executable))"], TimeSpan.FromSeconds(30));
        Assert.True(where.ExitCode == 0, where.Output);
        string python = where.Stdout.Trim();
        // The shim must exec a file whose name is python3, as pyenv's does, for the name to stay the same.
        string named = Path.Combine(Directory.CreateDirectory(Path.Combine(dir, "bin")).FullName, "python3");
        File.CreateSymbolicLink(named, python);
        return named;
    }

    [Fact]
    public void A_process_that_maps_libcoreclr_after_it_was_first_audited_is_dotnet_at_the_next_audit()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-lateload-").FullName;
        try
        {
            string program = CPrograms.Compile(dir, "lateload", LateLoad);
            // The test host's own runtime: always on a machine that runs these tests.
            string coreclr = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "libcoreclr.so");
            Assert.True(File.Exists(coreclr), $"{coreclr} is missing");
            string go = Path.Combine(dir, "go");
            using Scenario tree = Scenario.StartProgram(program, coreclr, go);

            Auditor auditor = new(new AuditOptions());
            ProcessInfo before = auditor.Audit(tree.Pid).Snapshot.FindProcess(tree.Pid)!;
            Assert.Null(before.Runtime);
            Assert.Single(before.Threads);

            File.WriteAllText(go, "");
            Assert.True(Scenario.WaitUntil(() => File.ReadAllText($"/proc/{tree.Pid}/maps").Contains("/libcoreclr.so", StringComparison.Ordinal)
                && Directory.GetDirectories($"/proc/{tree.Pid}/task").Length == 2, TimeSpan.FromSeconds(10)), "lateload did not map libcoreclr.so and start its thread");

            ProcessInfo after = auditor.Audit(tree.Pid).Snapshot.FindProcess(tree.Pid)!;
            Assert.Equal("dotnet", after.Runtime);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
