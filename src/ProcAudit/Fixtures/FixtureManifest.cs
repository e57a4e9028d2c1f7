using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Json.Serialization;
using ProcAudit.Capture;

namespace ProcAudit.Fixtures;

/// <summary>fixture.json beside a recorded proc/ tree: the audited pid and what only a live probe could measure.</summary>
internal sealed record FixtureManifest(int Root, string Arch, DateTimeOffset CapturedAt, Dictionary<string, PipeLevel> PipeLevels)
{
    public const string FileName = "fixture.json";

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = FixtureJsonContext.Default,
    };

    public static JsonTypeInfo<FixtureManifest> TypeInfo =>
        (JsonTypeInfo<FixtureManifest>)JsonOptions.GetTypeInfo(typeof(FixtureManifest));

    public static string Key(int pid, int fd) => pid.ToString(CultureInfo.InvariantCulture) + "/" + fd.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The JSON metadata of fixture.json, generated at compile time (no reflection, as for the reports).</summary>
[JsonSerializable(typeof(FixtureManifest))]
internal sealed partial class FixtureJsonContext : JsonSerializerContext
{
}
