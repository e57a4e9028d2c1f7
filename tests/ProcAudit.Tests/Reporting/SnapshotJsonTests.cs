using ProcAudit.Reporting;

namespace ProcAudit.Tests.Reporting;

/// <summary>Snapshot files read back through the compile-time JSON metadata.</summary>
public sealed class SnapshotJsonTests
{
    [Fact]
    public void A_snapshot_that_lacks_array_properties_reads_back_with_empty_arrays_not_default_ones()
    {
        // The shape of a snapshot written before processes carried goroutines, locks or views.
        const string json = """
            {
              "capturedAt": "2026-11-23T10:00:00+00:00",
              "root": 42,
              "processes": [
                { "pid": 42, "ppid": 1, "name": "sh", "state": "S", "inTree": true,
                  "threads": [ { "tid": 42, "name": "sh", "state": "S", "syscall": { "number": 0, "name": "read", "fd": 3 } } ],
                  "fds": [ { "fd": 3, "kind": "pipe", "target": "pipe:[7]" } ] }
              ]
            }
            """;

        Snapshot s = ReportJson.DeserializeSnapshot(json);

        Assert.Empty(s.Pipes);
        Assert.Empty(s.Sockets);
        Assert.Empty(s.FileLocks);
        Assert.Empty(s.Notes);
        ProcessInfo p = Assert.Single(s.Processes);
        Assert.Empty(p.Cmdline);
        Assert.Empty(p.Goroutines);
        Assert.Empty(p.ManagedLocks);
        Assert.Empty(p.RuntimeViews);
        Assert.Empty(p.Threads[0].KernelStack);
        Assert.Empty(p.Threads[0].ManagedStack);
        Assert.Empty(p.Threads[0].Syscall!.Args);
        Assert.Empty(p.Fds[0].Watches);
        // And the analysis and the report run on it.
        Assert.Contains("\"processes\"", ReportJson.Serialize(ReportBuilder.Build(Auditor.Analyze(s))));
    }
}
