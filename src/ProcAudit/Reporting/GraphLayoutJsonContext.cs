using System.Text.Json.Serialization;

namespace ProcAudit.Reporting;

/// <summary>The layout documents' JSON metadata, generated at compile time (no reflection in the native build).</summary>
[JsonSerializable(typeof(LayoutRequest))]
[JsonSerializable(typeof(GraphLayout))]
internal sealed partial class GraphLayoutJsonContext : JsonSerializerContext
{
}
