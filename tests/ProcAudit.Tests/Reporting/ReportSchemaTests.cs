using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NJsonSchema;
using NJsonSchema.Validation;
using ProcAudit.Analysis;
using ProcAudit.Reporting;
using Xunit.Abstractions;

namespace ProcAudit.Tests.Reporting;

/// <summary>
/// docs/report.schema.json is the published contract of the JSON report (report.md): these tests
/// hold the code and the schema to each other, so neither can drift without a red test.
/// </summary>
public sealed class ReportSchemaTests
{
    // The top-level fields report.md promises ("Top level" table). Copied here rather than parsed
    // from the design notes, which live outside the repository.
    private static readonly string[] s_contractTopLevel =
    [
        "schemaVersion", "tool", "capturedAt", "root", "verdict",
        "processes", "objects", "waits", "cycles", "findings", "notes",
    ];

    // Loaded once: parsing the schema is the slow part, and validation does not mutate it.
    private static readonly Lazy<JsonSchema> s_schema = new(() =>
        JsonSchema.FromFileAsync(SchemaPath).GetAwaiter().GetResult());

    private readonly ITestOutputHelper _output;

    public ReportSchemaTests(ITestOutputHelper output)
    {
        _output = output;
    }

    // The csproj links docs/report.schema.json into the output directory, so the test reads the very file that ships.
    private static string SchemaPath => Path.Combine(AppContext.BaseDirectory, "report.schema.json");

    public static TheoryData<Verdict> AllVerdicts()
    {
        TheoryData<Verdict> data = new();
        foreach (Verdict verdict in Enum.GetValues<Verdict>())
        {
            data.Add(verdict);
        }
        return data;
    }

    [Fact]
    public void RealReportOfTheTestProcessValidates()
    {
        // Auditing our own pid gives a real snapshot (threads in futex/epoll, pipes, sockets, an
        // epoll fd) without spawning anything; a single sample keeps the test fast.
        AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Audit(Environment.ProcessId);
        string json = ReportJson.Serialize(ReportBuilder.Build(result));

        // Guard against a vacuous pass: the parts of the schema that matter most must have been exercised.
        ProcessInfo self = Assert.Single(result.Snapshot.Processes, p => p.Pid == Environment.ProcessId);
        Assert.NotEmpty(self.Threads);
        Assert.NotEmpty(self.Fds);
        Assert.Contains(self.Threads, t => t.Syscall is not null && t.Syscall.Args.Length > 0);

        AssertValid(json);
    }

    [Theory]
    [InlineData("go-broadcaster")]
    [InlineData("go-transfer-lock-order")]
    public void RecordedGoReportWithGoroutinesChannelsAndLocksValidates(string name)
    {
        Snapshot snapshot = ProcAudit.Tests.Analysis.RecordedSnapshotTests.Load(name);
        string json = ReportJson.Serialize(ReportBuilder.Build(new AuditResult(snapshot, Analyzer.Analyze(snapshot))));

        // Guard against a vacuous pass: the Go shapes must be in the JSON.
        JsonObject report = ParseReport(json);
        JsonArray processes = report["processes"]!.AsArray();
        Assert.Contains(processes, p => p!["goLocks"]!.AsArray().Count > 0);
        Assert.Contains(processes.SelectMany(p => p!["goroutines"]!.AsArray()), g => g!["waitKind"] is not null);
        Assert.Contains(report["waits"]!.AsArray(), w => w!["from"]!["goroutine"] is not null);

        AssertValid(json);
    }

    [Theory]
    [MemberData(nameof(AllVerdicts))]
    public void HandMadeReportWithEveryVerdictValidates(Verdict verdict)
    {
        string json = ReportJson.Serialize(ReportBuilder.Build(HandMade(verdict)));

        AssertValid(json);
    }

    [Fact]
    public void HandMadeReportHasTheShapesItIsMeantToCover()
    {
        // The theory above only means something if the sample really has these shapes in its JSON.
        JsonObject report = ParseReport(ReportJson.Serialize(ReportBuilder.Build(HandMade(Verdict.Deadlock))));

        Assert.NotEmpty(report["cycles"]!.AsArray());
        Assert.NotEmpty(report["findings"]!.AsArray());
        Assert.NotEmpty(report["notes"]!.AsArray());
        Assert.Contains(report["waits"]!.AsArray(), w => w!["certainty"]!.GetValue<string>() == "inferred");
        Assert.Contains(report["waits"]!.AsArray(), w => w!["object"] is null);
        Assert.Contains(report["processes"]!.AsArray().SelectMany(p => p!["threads"]!.AsArray()), t => t!["syscall"] is null);
        Assert.Contains(report["objects"]!.AsArray(), o => o!["full"]!.GetValue<bool>());
        Assert.Contains(
            report["processes"]![0]!["threads"]![0]!["syscall"]!["args"]!.AsArray(),
            a => a!.GetValue<string>() == "0xffffffffffffffff");
    }

    [Fact]
    public void ReportWithoutVerdictFails()
    {
        JsonObject report = SampleReport();
        report.Remove("verdict");

        AssertFails(report, e => e.Kind == ValidationErrorKind.PropertyRequired && e.Property == "verdict");
    }

    [Fact]
    public void SchemaVersionTwoFails()
    {
        JsonObject report = SampleReport();
        report["schemaVersion"] = 2;

        AssertFails(report, e => e.Kind == ValidationErrorKind.NotInEnumeration && e.Path == "#/schemaVersion");
    }

    [Fact]
    public void NumericSyscallArgFails()
    {
        // Registers hold addresses above 2^53, which JSON numbers lose: the contract is hex strings only.
        JsonObject report = SampleReport();
        report["processes"]![0]!["threads"]![0]!["syscall"]!["args"]![0] = 3;

        AssertFails(report, e => e.Path == "#/processes[0].threads[0].syscall.args[0]");
    }

    [Fact]
    public void UnknownCertaintyFails()
    {
        JsonObject report = SampleReport();
        report["waits"]![0]!["certainty"] = "guessed";

        AssertFails(report, e => e.Kind == ValidationErrorKind.NotInEnumeration && e.Path == "#/waits[0].certainty");
    }

    [Fact]
    public void PipeWithoutFillLevelFails()
    {
        // The pipe-only fields are required through anyOf (NJsonSchema ignores if/then): prove that branch bites.
        JsonObject report = SampleReport();
        report["objects"]![0]!.AsObject().Remove("capacityBytes");

        AssertFails(report, e => e.Kind == ValidationErrorKind.NotAnyOf && e.Path == "#/objects[0]");
    }

    [Fact]
    public void EveryTopLevelFieldOfTheContractIsRequired()
    {
        JsonObject schema = ReadSchemaText();
        HashSet<string> required = Required(schema);

        Assert.All(s_contractTopLevel, field => Assert.Contains(field, required));
    }

    [Theory]
    [InlineData("process", "pid", "ppid", "name", "cmdline", "state", "runtime", "threads", "fds")]
    [InlineData("thread", "tid", "name", "state", "wchan", "syscall", "kernelStack")]
    [InlineData("syscall", "number", "name", "args")]
    [InlineData("fd", "fd", "kind", "target", "inode", "access", "watches")]
    [InlineData("object", "id", "kind", "holders")]
    [InlineData("holder", "pid", "role")]
    [InlineData("waitEnd", "pid")]
    [InlineData("wait", "from", "to", "object", "reason", "certainty")]
    [InlineData("cycle", "pattern", "members", "waits", "summary", "hint")]
    [InlineData("finding", "kind", "pids", "object", "summary", "hint")]
    public void EveryNestedFieldOfTheContractIsRequired(string definition, params string[] fields)
    {
        JsonObject schema = ReadSchemaText();
        HashSet<string> required = Required(schema["definitions"]![definition]!.AsObject());

        Assert.All(fields, field => Assert.Contains(field, required));
    }

    [Fact]
    public void ToolIsRequiredWithNameAndVersion()
    {
        JsonObject schema = ReadSchemaText();
        HashSet<string> required = Required(schema["properties"]!["tool"]!.AsObject());

        Assert.Contains("name", required);
        Assert.Contains("version", required);
    }

    [Fact]
    public void SchemaNeverForbidsAdditionalProperties()
    {
        // The report only grows: a consumer validating an older schema must accept a newer report.
        string text = File.ReadAllText(SchemaPath);

        Assert.DoesNotContain("\"additionalProperties\": false", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"additionalProperties\":false", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryPropertyHasADescription()
    {
        List<string> missing = new();
        FindPropertiesWithoutDescription(ReadSchemaText(), "#", missing);

        Assert.True(missing.Count == 0, "properties without a description:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void EveryPropertyTheCodeWritesIsDeclared()
    {
        // additionalProperties stays open so the report can grow, which also means a field added to
        // the code would pass validation untyped; this catches that. Both a real report and the
        // hand-made one (which fills every optional part) are checked.
        JsonObject schema = ReadSchemaText();
        List<string> undeclared = new();
        AuditResult real = new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Audit(Environment.ProcessId);
        foreach (AuditResult result in new[] { real, HandMade(Verdict.Deadlock) })
        {
            JsonObject report = ParseReport(ReportJson.Serialize(ReportBuilder.Build(result)));
            FindUndeclared(report, schema, schema, "#", undeclared);
        }

        List<string> distinct = undeclared.Select(Generalise).Distinct().ToList();
        Assert.True(distinct.Count == 0, "properties the code writes that the schema does not declare:\n" + string.Join("\n", distinct));
    }

    private void AssertValid(string json)
    {
        List<ValidationError> errors = s_schema.Value.Validate(json).ToList();
        if (errors.Count > 0)
        {
            _output.WriteLine(json);
        }
        Assert.True(errors.Count == 0, $"{errors.Count} schema error(s):\n{Describe(errors)}");
    }

    private void AssertFails(JsonObject report, Func<ValidationError, bool> expected)
    {
        string json = report.ToJsonString();
        List<ValidationError> errors = Flatten(s_schema.Value.Validate(json)).ToList();
        _output.WriteLine(Describe(errors));

        // The specific error, not just any: the sample itself must not be what fails.
        Assert.True(errors.Any(expected), $"the mutated report was not rejected for the mutation; errors:\n{Describe(errors)}");
        List<ValidationError> before = Flatten(s_schema.Value.Validate(ReportJson.Serialize(ReportBuilder.Build(HandMade(Verdict.Deadlock))))).ToList();
        Assert.False(before.Any(expected), "the unmutated sample already has the error the mutation should cause");
    }

    private static JsonObject SampleReport() =>
        ParseReport(ReportJson.Serialize(ReportBuilder.Build(HandMade(Verdict.Deadlock))));

    private static JsonObject ParseReport(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject ReadSchemaText() => JsonNode.Parse(File.ReadAllText(SchemaPath))!.AsObject();

    private static HashSet<string> Required(JsonObject schema) =>
        schema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Every error with the errors of the anyOf branches and type alternatives under it: the one that names the culprit is often nested.</summary>
    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (ValidationError error in errors)
        {
            yield return error;
            if (error is ChildSchemaValidationError child)
            {
                foreach (ValidationError nested in Flatten(child.Errors.Values.SelectMany(e => e)))
                {
                    yield return nested;
                }
            }
            else if (error is MultiTypeValidationError multi)
            {
                foreach (ValidationError nested in Flatten(multi.Errors.Values.SelectMany(e => e)))
                {
                    yield return nested;
                }
            }
        }
    }

    private static string Describe(IEnumerable<ValidationError> errors)
    {
        StringBuilder text = new();
        foreach (ValidationError error in Flatten(errors))
        {
            text.Append(error.Kind).Append(" at ").Append(error.Path).Append(" (property ").Append(error.Property).AppendLine(")");
        }
        return text.ToString();
    }

    private static void FindPropertiesWithoutDescription(JsonNode? node, string path, List<string> missing)
    {
        if (node is JsonObject obj)
        {
            if (obj["properties"] is JsonObject properties)
            {
                foreach (KeyValuePair<string, JsonNode?> property in properties)
                {
                    if (property.Value is not JsonObject declared || declared["description"] is not JsonValue)
                    {
                        missing.Add($"{path}/properties/{property.Key}");
                    }
                }
            }
            foreach (KeyValuePair<string, JsonNode?> child in obj)
            {
                FindPropertiesWithoutDescription(child.Value, $"{path}/{child.Key}", missing);
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                FindPropertiesWithoutDescription(array[i], $"{path}/{i}", missing);
            }
        }
    }

    /// <summary>Walks a report beside the schema and lists every property no applicable schema declares.</summary>
    private static void FindUndeclared(JsonNode? instance, JsonObject schema, JsonObject root, string path, List<string> undeclared)
    {
        List<JsonObject> branches = new();
        Expand(schema, root, branches);
        if (instance is JsonObject obj)
        {
            foreach (KeyValuePair<string, JsonNode?> property in obj)
            {
                JsonObject? declared = null;
                foreach (JsonObject branch in branches)
                {
                    if (branch["properties"] is JsonObject properties && properties[property.Key] is JsonObject found)
                    {
                        declared = found;
                        break;
                    }
                }
                if (declared is null)
                {
                    undeclared.Add($"{path}.{property.Key}");
                }
                else
                {
                    FindUndeclared(property.Value, declared, root, $"{path}.{property.Key}", undeclared);
                }
            }
        }
        else if (instance is JsonArray array)
        {
            JsonObject? items = branches.Select(b => b["items"]).OfType<JsonObject>().FirstOrDefault();
            if (items is null)
            {
                // An array declared without an item schema (managedStack) takes any items.
                return;
            }
            for (int i = 0; i < array.Count; i++)
            {
                FindUndeclared(array[i], items, root, $"{path}[{i}]", undeclared);
            }
        }
    }

    /// <summary>The schema and every schema it brings in by $ref, allOf, anyOf or oneOf.</summary>
    private static void Expand(JsonObject schema, JsonObject root, List<JsonObject> into)
    {
        into.Add(schema);
        if (schema["$ref"] is JsonValue reference)
        {
            string name = reference.GetValue<string>();
            const string prefix = "#/definitions/";
            Assert.StartsWith(prefix, name);
            Expand(root["definitions"]![name[prefix.Length..]]!.AsObject(), root, into);
        }
        foreach (string keyword in new[] { "allOf", "anyOf", "oneOf" })
        {
            if (schema[keyword] is JsonArray alternatives)
            {
                foreach (JsonNode? alternative in alternatives)
                {
                    if (alternative is JsonObject branch)
                    {
                        Expand(branch, root, into);
                    }
                }
            }
        }
    }

    /// <summary>Drops array indices, so one undeclared field is listed once, not once per thread.</summary>
    private static string Generalise(string path) =>
        Regex.Replace(path, @"\[\d+\]", "[]");

    /// <summary>
    /// A report with every shape the schema must accept: a cycle, a finding, an inferred edge, a
    /// wait on no object, a thread with no syscall, an outside holder, notes and nulls where the code
    /// writes them. The analysis is made by hand: this checks the schema, not the analyser.
    /// </summary>
    private static AuditResult HandMade(Verdict verdict)
    {
        ProcessInfo parent = new()
        {
            Pid = 2346,
            PPid = 2300,
            Uid = 1000,
            Name = "python3",
            Cmdline = ImmutableArray.Create("python3", "run.py", "--token=***"),
            State = "S",
            Runtime = "python",
            InTree = true,
            Threads = ImmutableArray.Create(
                new ThreadInfo
                {
                    Tid = 2346,
                    Name = "python3",
                    State = "S",
                    Wchan = "anon_pipe_read",
                    // ulong.MaxValue proves the hex form survives values JSON numbers cannot hold.
                    Syscall = new SyscallInfo { Number = 0, Name = "read", Args = ImmutableArray.Create<ulong>(3, 0x7ffd3a29d0d8, 0x1000, 0, 0, ulong.MaxValue), Fd = 3, Object = "pipe:[8533]" },
                    KernelStack = ImmutableArray.Create("anon_pipe_read", "vfs_read", "ksys_read"),
                    CpuTicks = 9,
                    ContextSwitches = 25,
                    Progress = new ThreadProgress(0, 0, false),
                },
                new ThreadInfo { Tid = 2347, Name = "worker", State = "R", Wchan = null, Syscall = null },
                new ThreadInfo
                {
                    Tid = 2348,
                    Name = "reaper",
                    State = "S",
                    Wchan = "do_wait",
                    Syscall = new SyscallInfo { Number = 61, Name = "wait4", Args = ImmutableArray.Create<ulong>(0xffffffff, 0x7ffd3a29d17c, 0, 0, 0, 1) },
                }),
            Fds = ImmutableArray.Create(
                new FdInfo { Fd = 0, Kind = FdKind.Device, Target = "/dev/null", Inode = null, Access = null },
                new FdInfo { Fd = 3, Kind = FdKind.Pipe, Target = "pipe:[8533]", Inode = 8533, Access = "read" },
                new FdInfo { Fd = 5, Kind = FdKind.Pipe, Target = "pipe:[8534]", Inode = 8534, Access = "read" },
                new FdInfo { Fd = 7, Kind = FdKind.Eventpoll, Target = "anon_inode:[eventpoll]", Access = "readwrite", Watches = ImmutableArray.Create(3, 5) }),
        };
        ProcessInfo child = new()
        {
            Pid = 2388,
            PPid = 2346,
            Name = "python3",
            Cmdline = ImmutableArray.Create("python3", "child.py"),
            State = "S",
            Runtime = "python",
            InTree = true,
            Threads = ImmutableArray.Create(new ThreadInfo
            {
                Tid = 2388,
                Name = "python3",
                State = "S",
                Wchan = "anon_pipe_write",
                Syscall = new SyscallInfo { Number = 1, Name = "write", Args = ImmutableArray.Create<ulong>(2, 0x55d47c3c0b60, 0x2000, 0, 0, 0), Fd = 2, Object = "pipe:[8534]" },
            }),
            Fds = ImmutableArray.Create(
                new FdInfo { Fd = 1, Kind = FdKind.Pipe, Target = "pipe:[8533]", Inode = 8533, Access = "write" },
                new FdInfo { Fd = 2, Kind = FdKind.Pipe, Target = "pipe:[8534]", Inode = 8534, Access = "write" }),
        };
        // Outside the tree, but holding a write end the tree waits on: the process a user needs to see.
        ProcessInfo outsider = new()
        {
            Pid = 2400,
            PPid = 1,
            Name = "helper",
            State = "S",
            Runtime = "go",
            InTree = false,
            Threads = ImmutableArray.Create(new ThreadInfo
            {
                Tid = 2400,
                Name = "helper",
                State = "S",
                Wchan = "ep_poll",
                Syscall = new SyscallInfo { Number = 281, Name = "epoll_pwait", Args = ImmutableArray.Create<ulong>(6, 0xc000123000, 0x80, 0xffffffffffffffff, 0, 8), Fd = 6, Object = "anon_inode:[eventpoll]" },
            }),
            Fds = ImmutableArray.Create(
                new FdInfo { Fd = 4, Kind = FdKind.Pipe, Target = "pipe:[8533]", Inode = 8533, Access = "write" },
                new FdInfo { Fd = 6, Kind = FdKind.Eventpoll, Target = "anon_inode:[eventpoll]", Access = null, Watches = ImmutableArray.Create(4) }),
        };
        Snapshot snapshot = new()
        {
            CapturedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Root = 2346,
            Arch = "x64",
            IntervalMs = 500,
            RootExited = verdict == Verdict.Exited,
            Processes = ImmutableArray.Create(parent, child, outsider),
            Pipes = ImmutableArray.Create(
                new PipeInfo
                {
                    Id = "pipe:[8533]",
                    Inode = 8533,
                    QueuedBytes = 0,
                    CapacityBytes = 65536,
                    QueuedBytesLater = 0,
                    HoldersComplete = true,
                    Holders = ImmutableArray.Create(new Holder(2346, 3, "reader"), new Holder(2388, 1, "writer"), new Holder(2400, 4, "writer")),
                },
                new PipeInfo
                {
                    Id = "pipe:[8534]",
                    Inode = 8534,
                    QueuedBytes = 65536,
                    CapacityBytes = 65536,
                    QueuedBytesLater = null,
                    HoldersComplete = false,
                    Holders = ImmutableArray.Create(new Holder(2346, 5, "reader"), new Holder(2388, 2, "writer"), new Holder(2346, 9, "unknown")),
                }),
            Notes = ImmutableArray.Create(
                new Note("denied", "kernel stacks of 2400 need root; wchan is shown instead", 2400),
                new Note("gone", "2401 exited while it was read", 2401, "2401/stat"),
                new Note("unreadable", "fill level of pipe:[9000] unknown")),
        };
        WaitEdge readEmpty = new(new WaitEnd(2346, 2346), new WaitEnd(2388), "pipe:[8533]", WaitReasons.ReadEmptyPipe, Certainty.Observed,
            "thread 2346 is blocked in read(3) on pipe:[8533], which is empty", 3);
        WaitEdge writeFull = new(new WaitEnd(2388, 2388), new WaitEnd(2346), "pipe:[8534]", WaitReasons.WriteFullPipe, Certainty.Observed,
            "thread 2388 is blocked in write(2) on pipe:[8534], which has no room", 2);
        WaitEdge parked = new(new WaitEnd(2346, 2346), new WaitEnd(2400), "pipe:[8533]", WaitReasons.ReadEmptyPipe, Certainty.Inferred,
            "2400 is parked in epoll_pwait and holds a write end of pipe:[8533]", 3);
        WaitEdge child4 = new(new WaitEnd(2346, 2348), new WaitEnd(2388), null, WaitReasons.WaitChildExit, Certainty.Observed,
            "thread 2348 is blocked in wait4 for child 2388");
        AnalysisResult analysis = new()
        {
            Verdict = verdict,
            Waits = ImmutableArray.Create(readEmpty, writeFull, parked, child4),
            Cycles = ImmutableArray.Create(new Cycle(
                "pipe-order-inversion",
                ImmutableArray.Create(new WaitEnd(2346, 2346), new WaitEnd(2388, 2388)),
                ImmutableArray.Create(readEmpty, writeFull),
                "python3 2346 reads stdout (pipe:[8533], empty) until EOF while its child python3 2388 blocks writing stderr (pipe:[8534], 65536/65536 bytes full), which only 2346 can drain.",
                "Read both streams concurrently.")),
            Findings = ImmutableArray.Create(new Finding(
                "leaked-write-end",
                ImmutableArray.Create(2400, 2346),
                "pipe:[8533]",
                "helper 2400, outside the tree, holds a write end of pipe:[8533], so 2346 never sees EOF.",
                "Close the write end in the parent after starting the child.")),
            FullPipes = ImmutableHashSet.Create("pipe:[8534]"),
        };
        return new AuditResult(snapshot, analysis);
    }
}
