using ProcAudit.Analysis;
using ProcAudit.Kinds;

namespace ProcAudit.Runtimes;

/// <summary>
/// The one list of runtime view modules on the analysis and report side. A runtime whose enricher is registered in
/// ProcAudit.Views' RuntimeViews must be found here (a test compares the two lists); a runtime the capture names but
/// no view reads yet is listed in <see cref="KernelViewOnly"/>, so a new name is a decision, not an oversight.
/// </summary>
internal static class RuntimeRegistry
{
    private static readonly PythonModule Python = new();
    private static readonly DotNetModule DotNet = new();
    private static readonly GoModule Go = new();

    /// <summary>
    /// Every module, in the order their contributions are told: .NET findings before Go's (as the reports always
    /// had them); a process carries the records of one runtime only, so within a process the order does not show.
    /// </summary>
    public static IReadOnlyList<RuntimeViewModule> Modules { get; } = [Python, DotNet, Go];

    /// <summary>Runtimes the capture names whose processes get the kernel view only: no enricher reads them yet.</summary>
    public static IReadOnlyList<string> KernelViewOnly { get; } = [RuntimeNames.Jvm, RuntimeNames.Node];

    /// <summary>The module of <paramref name="runtime"/>, or null for a runtime no view reads (or none).</summary>
    public static RuntimeViewModule? For(string? runtime) => runtime switch
    {
        RuntimeNames.Python => Python,
        RuntimeNames.DotNet => DotNet,
        RuntimeNames.Go => Go,
        _ => null,
    };

    /// <summary>True for a runtime's own thread in a process of that runtime.</summary>
    public static bool IsHousekeeping(ProcessInfo process, ThreadInfo thread) => For(process.Runtime)?.IsHousekeeping(process, thread) == true;

    /// <summary>The name of a waiter only a view knows (a goroutine, an async flow), or null.</summary>
    public static string? Who(Describe d, WaitEnd end) => Modules.Select(m => m.Who(d, end)).FirstOrDefault(w => w is not null);

    /// <summary>Which waiter of a process a report names, when a view knows it; null otherwise.</summary>
    public static string? WaiterDetail(ProcessInfo? process, WaitEnd end) => Modules.Select(m => m.WaiterDetail(process, end)).FirstOrDefault(w => w is not null);

    /// <summary>A waiter named as the actor of a cycle by the view it runs in, or null.</summary>
    public static string? Actor(Describe d, WaitEnd end) => Modules.Select(m => m.Actor(d, end)).FirstOrDefault(a => a is not null);

    /// <summary>A view's waiter with what it waits on, or null.</summary>
    public static string? WaitLine(Describe d, WaitEnd end) => Modules.Select(m => m.WaitLine(d, end)).FirstOrDefault(w => w is not null);

    /// <summary>Where the program's own code waits, as the views read it ("" when none did).</summary>
    public static string Where(Describe d, WaitEnd end) => string.Concat(Modules.Select(m => m.Where(d, end)));

    /// <summary>Where a parent waits for its child's exit, as a view reads it (Python's Popen.wait), or Other.</summary>
    public static Analysis.Patterns.DrainSite DrainSite(Describe d, WaitEnd end) =>
        Modules.Select(m => m.DrainSite(d, end)).FirstOrDefault(s => s != Analysis.Patterns.DrainSite.Other);

    /// <summary>What a process is doing in a runtime's own words, or null.</summary>
    public static string? Activity(ProcessInfo process, ThreadInfo? main) => Modules.Select(m => m.Activity(process, main)).FirstOrDefault(a => a is not null);

    /// <summary>A reader named with the runtime call of its that waits for the output, or null.</summary>
    public static string? WaitsForOutput(Describe d, ProcessInfo reader) => Modules.Select(m => m.WaitsForOutput(d, reader)).FirstOrDefault(a => a is not null);

    /// <summary>The edges the runtimes reported for <paramref name="process"/>.</summary>
    public static IEnumerable<WaitEdge> Edges(KindScope scope, ProcessInfo process) => Modules.SelectMany(m => m.Edges(scope, process));

    /// <summary>The module that read what each waiter of <paramref name="process"/> waits on, or null.</summary>
    public static RuntimeViewModule? ReadingWaiters(ProcessInfo process) => Modules.FirstOrDefault(m => m.ReadsWaiters(process));
}
