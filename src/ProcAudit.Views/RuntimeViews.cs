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
    /// The .NET view always runs in a process of its own, the JIT-compiled tool's hidden dotnet-view verb: ClrMD
    /// loads the target runtime's DAC, native code with global state that a bad read can crash, and a crash there
    /// must cost a note, never the audit (nor a build, for a task inside MSBuild).
    /// </summary>
    public static IReadOnlyList<IRuntimeEnricher> Default() =>
        [new OutOfProcessDotNetView(ManagedCopy()), new GoEnricher(), new PythonView()];

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
    private static string Home() =>
        typeof(RuntimeViews).Assembly.Location is { Length: > 0 } location ? Path.GetDirectoryName(location)! : AppContext.BaseDirectory;
}
