using System.Collections.Immutable;
using ProcAudit.Enrichment;
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

    [Fact]
    public void A_dotnet_view_taken_in_another_process_comes_back_whole_on_one_line_and_applies_to_the_process()
    {
        // What the JIT-compiled copy of the tool hands back to the native one, which applies it to the process as its last look saw it.
        ManagedView view = new()
        {
            Pid = 7,
            Stacks = ImmutableArray.Create(new ManagedThreadFrames(8, ImmutableArray.Create("System.Threading.Monitor.Enter(Object)"))),
            ManagedLocks = ImmutableArray.Create(new ManagedLock { Id = "monitor:7:0x10", Type = "Ledger", Kind = "SyncBlock", OwnerTid = 9, WaiterTids = ImmutableArray.Create(8) }),
            AsyncFlows = ImmutableArray.Create(new AsyncFlowInfo { Id = "flow:7:0x20", Frames = ImmutableArray.Create("Program.Main@0"), Awaits = "promise", WaitsOn = "promise:7:0x30" }),
            AsyncFlowsFound = 5000,
            RuntimeViews = ImmutableArray.Create("managed-stacks", "managed-locks", "async-flows"),
            Notes = ImmutableArray.Create(new Note("timeout", "managed stacks of 7: TimedOut", 7)),
        };

        string line = ReportJson.SerializeManagedView(view);
        ManagedView back = ReportJson.DeserializeManagedView(line);

        Assert.DoesNotContain('\n', line);
        Assert.Equal(line, ReportJson.SerializeManagedView(back));
        ProcessInfo process = new()
        {
            Pid = 7,
            Name = "dotnet",
            State = "S",
            Runtime = "dotnet",
            Threads = ImmutableArray.Create(new ThreadInfo { Tid = 7, Name = "dotnet", State = "S" }, new ThreadInfo { Tid = 8, Name = "worker-a", State = "S" }),
        };
        RuntimeView applied = back.ApplyTo(process);
        Assert.Empty(applied.Process.Threads[0].ManagedStack);
        Assert.Equal("System.Threading.Monitor.Enter(Object)", applied.Process.Threads[1].ManagedStack.Single());
        Assert.Equal(new[] { 8 }, applied.Process.ManagedLocks.Single().WaiterTids);
        Assert.Equal("promise:7:0x30", applied.Process.AsyncFlows.Single().WaitsOn);
        Assert.Equal(5000, applied.Process.AsyncFlowsFound);
        Assert.Equal(new[] { "managed-stacks", "managed-locks", "async-flows" }, applied.Process.RuntimeViews);
        Assert.Equal("timeout", applied.Notes.Single().Kind);
        Assert.Equal((7, "dotnet", "S", "dotnet"), (applied.Process.Pid, applied.Process.Name, applied.Process.State, applied.Process.Runtime));
        Assert.Equal(["dotnet", "worker-a"], applied.Process.Threads.Select(t => t.Name));
    }

    [Fact]
    public void Every_array_of_the_snapshot_reads_back_empty_when_a_file_lacks_it()
    {
        // The compile-time metadata passes a default array to the init accessor of every array a file
        // lacks; each such property must turn it into an empty one (ImmutableArrays.OrEmpty).
        List<string> unguarded = new();
        HashSet<Type> seen = new();
        Queue<Type> types = new(new[] { typeof(Snapshot) });
        while (types.TryDequeue(out Type? type))
        {
            if (!seen.Add(type) || type.Namespace?.StartsWith("ProcAudit", StringComparison.Ordinal) != true || type.IsEnum)
            {
                continue;
            }
            object instance = System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
            foreach (System.Reflection.PropertyInfo property in type.GetProperties())
            {
                Type propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(ImmutableArray<>))
                {
                    types.Enqueue(propertyType.GetGenericArguments()[0]);
                    if (property.SetMethod is not null)
                    {
                        property.SetValue(instance, Activator.CreateInstance(propertyType));
                        if ((bool)propertyType.GetProperty("IsDefault")!.GetValue(property.GetValue(instance))!)
                        {
                            unguarded.Add($"{type.Name}.{property.Name}");
                        }
                    }
                }
                else if (propertyType.IsClass && propertyType != typeof(string))
                {
                    types.Enqueue(propertyType);
                }
            }
        }

        Assert.Empty(unguarded);
        Assert.Contains(typeof(ThreadInfo), seen);
    }
}
