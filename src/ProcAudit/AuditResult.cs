using ProcAudit.Analysis;

namespace ProcAudit;

/// <summary>A snapshot and what the analysis made of it.</summary>
/// <param name="Snapshot">The facts.</param>
/// <param name="Analysis">The wait-for graph, cycles, findings and verdict.</param>
public sealed record AuditResult(Snapshot Snapshot, AnalysisResult Analysis);
