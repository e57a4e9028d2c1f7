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
