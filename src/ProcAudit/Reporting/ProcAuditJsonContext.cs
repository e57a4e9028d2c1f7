using System.Text.Json.Serialization;

namespace ProcAudit.Reporting;

/// <summary>
/// The JSON metadata of every document ProcAudit writes or reads, generated at compile time: no
/// serializer is built by reflection at run time, which costs start-up and is not possible in a
/// Native AOT build of the tool. The naming and enum settings live in the options that use it
/// (<see cref="ReportJson.Options"/>).
/// </summary>
[JsonSerializable(typeof(Report))]
[JsonSerializable(typeof(Snapshot))]
[JsonSerializable(typeof(Enrichment.ManagedView))]
[JsonSerializable(typeof(ProcessEntry[]))]
[JsonSerializable(typeof(ScanResult))]
[JsonSerializable(typeof(ScanHang))]
internal sealed partial class ProcAuditJsonContext : JsonSerializerContext
{
}
