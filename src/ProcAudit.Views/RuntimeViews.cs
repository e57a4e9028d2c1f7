using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using ProcAudit.Enrichment;
using ProcAudit.Go;

namespace ProcAudit.Views;

/// <summary>
/// The runtime views every front end adds to an audit (the CLI, run and watch, both MSBuild
/// tasks): registered here once, so a view added here reaches all of them.
/// </summary>
public static class RuntimeViews
{
    /// <summary>The JIT-compiled copy of the tool that takes the .NET view out of process, relative to the caller's directory.</summary>
    public const string ManagedCopyRelativePath = "managed/dotnet-procaudit.dll";

    /// <summary>
    /// Every view: .NET (managed stacks, lock owners, async flows), Go (goroutines) and Python (thread stacks).
    /// The .NET view always runs in a process of its own, the tool's hidden dotnet-view verb: ClrMD loads the target
    /// runtime's DAC, native code with global state that a bad read can crash, and a crash there must cost a note,
    /// never the audit (nor a build, for a task inside MSBuild). The native tool runs itself for it; the JIT-compiled
    /// ones (the any package, the MSBuild tasks, a development build) run the JIT-compiled copy.
    /// </summary>
    /// <param name="interval">
    /// The audit's interval between its two looks: when it is shorter than the .NET view's 300 ms between its two reads
    /// of a heap, those reads are no further apart than the looks (at <c>--interval 0</c>, which asks for one quick
    /// look, they follow each other).
    /// </param>
    public static IReadOnlyList<IRuntimeEnricher> Default(TimeSpan? interval = null) =>
        [DotNetView(interval < s_flowGap ? interval : null), new GoEnricher(), new PythonView()];

    /// <summary>The .NET view's own least time between its two reads of a heap: the helper's default (DotNetEnricher's, in a library this one must not load).</summary>
    private static readonly TimeSpan s_flowGap = TimeSpan.FromMilliseconds(300);

    private static OutOfProcessDotNetView DotNetView(TimeSpan? flowGap) =>
        // A constant in the native build, whose own executable is the helper.
        RuntimeFeature.IsDynamicCodeSupported || Environment.ProcessPath is not string self
            ? new OutOfProcessDotNetView(ManagedCopy(), flowGap)
            : OutOfProcessDotNetView.Native(self, flowGap);

    /// <summary>
    /// The JIT-compiled tool that takes the .NET view: the copy in managed/ beside the native binary or the
    /// MSBuild tasks, else the framework-dependent tool itself (the development build, the <c>any</c> package).
    /// </summary>
    public static string ManagedCopy()
    {
        string beside = Path.Combine(Home(), ManagedCopyRelativePath);
        string self = Path.Combine(AppContext.BaseDirectory, "dotnet-procaudit.dll");
        return File.Exists(beside) || !File.Exists(self) ? beside : self;
    }

    /// <summary>A native binary has no assembly location: its own directory is AppContext's.</summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location (the native build) falls back to AppContext.BaseDirectory.")]
    private static string Home() =>
        typeof(RuntimeViews).Assembly.Location is { Length: > 0 } location ? Path.GetDirectoryName(location)! : AppContext.BaseDirectory;
}
