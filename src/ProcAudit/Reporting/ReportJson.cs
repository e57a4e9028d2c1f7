using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ProcAudit.Analysis;

namespace ProcAudit.Reporting;

/// <summary>The JSON settings of reports and snapshots: camelCase names, enum values as camelCase strings.</summary>
public static class ReportJson
{
    /// <summary>Options shared by the report and the snapshot files.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        JsonSerializerOptions options = new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = true,
            // Keep non-ASCII readable; the encoder still escapes control characters, so the file stays valid JSON.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = ProcAuditJsonContext.Default,
        };
        // One converter per enum the documents hold: the generic form needs no code generated at run time.
        options.Converters.Add(new JsonStringEnumConverter<Verdict>(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new JsonStringEnumConverter<Certainty>(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new JsonStringEnumConverter<WaitEndKind>(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new JsonStringEnumConverter<SyscallShape>(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new JsonStringEnumConverter<FdKind>(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<ObjectKind>(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }

    /// <summary>The report as JSON text.</summary>
    public static string Serialize(Report report) => JsonSerializer.Serialize(report, TypeInfo<Report>());

    /// <summary>A snapshot as JSON text, to be analysed again later.</summary>
    public static string SerializeSnapshot(Snapshot snapshot) => JsonSerializer.Serialize(snapshot, TypeInfo<Snapshot>());

    /// <summary>Reads a snapshot written by <see cref="SerializeSnapshot"/>.</summary>
    /// <exception cref="JsonException">The text is not a snapshot.</exception>
    public static Snapshot DeserializeSnapshot(string json) =>
        ClassifySyscalls(JsonSerializer.Deserialize(json, TypeInfo<Snapshot>()) ?? throw new JsonException("the file holds no snapshot"));

    /// <summary>
    /// A snapshot saved before the capture recorded each syscall's shape has none: it is classified here,
    /// from the name, as the capture does, so the analysis of an old file reads what a new one holds.
    /// </summary>
    private static Snapshot ClassifySyscalls(Snapshot snapshot) =>
        snapshot with
        {
            Processes = snapshot.Processes.Select(p => p with
            {
                Threads = p.Threads.Select(t => t.Syscall is { Shape: SyscallShape.Other, Name: string name } call
                    ? t with { Syscall = call with { Shape = Capture.Syscalls.SyscallTable.Shape(name) } }
                    : t).ToImmutableArray(),
            }).ToImmutableArray(),
        };

    /// <summary>A .NET view on one line, as the view's helper process returns it.</summary>
    public static string SerializeManagedView(Enrichment.ManagedView view) => JsonSerializer.Serialize(view, LineTypeInfo<Enrichment.ManagedView>());

    /// <summary>Reads a .NET view written by <see cref="SerializeManagedView"/>.</summary>
    /// <exception cref="JsonException">The text is not a .NET view.</exception>
    public static Enrichment.ManagedView DeserializeManagedView(string json) =>
        JsonSerializer.Deserialize(json, TypeInfo<Enrichment.ManagedView>()) ?? throw new JsonException("the text holds no .NET view");

    /// <summary>The list of <c>procaudit ps</c>.</summary>
    public static string SerializeProcesses(IEnumerable<ProcessEntry> processes) => JsonSerializer.Serialize(processes.ToArray(), TypeInfo<ProcessEntry[]>());

    /// <summary>What <c>procaudit scan</c> found.</summary>
    public static string SerializeScan(ScanResult scan) => JsonSerializer.Serialize(scan, TypeInfo<ScanResult>());

    /// <summary>One hang on one line, for the JSON-lines log of <c>watch --all</c>.</summary>
    public static string SerializeLine(ScanHang hang) => JsonSerializer.Serialize(hang, LineTypeInfo<ScanHang>());

    private static readonly JsonSerializerOptions s_lines = new(Options) { WriteIndented = false };

    private static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    private static JsonTypeInfo<T> LineTypeInfo<T>() => (JsonTypeInfo<T>)s_lines.GetTypeInfo(typeof(T));
}
