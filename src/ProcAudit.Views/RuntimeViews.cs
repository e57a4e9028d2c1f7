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
    /// Every view: .NET (managed stacks and lock owners), Go (goroutines) and Python (thread stacks). The .NET view runs in
    /// this process when it can (a JIT, and ProcAudit.DotNet beside this assembly); otherwise (the
    /// native tool, a task inside MSBuild, whose process must not load ClrMD) through the
    /// JIT-compiled copy of the tool at <see cref="ManagedCopyRelativePath"/>.
    /// </summary>
    public static IReadOnlyList<IRuntimeEnricher> Default() =>
        // The feature switch stays in this expression: in the native build it is the constant false,
        // and the in-process branch (ClrMD, TraceEvent) is trimmed away with it.
        [RuntimeFeature.IsDynamicCodeSupported && DotNetViewBeside() ? InProcessDotNet() : new OutOfProcessDotNetView(ManagedCopy()), new GoEnricher(), new PythonView()];

    /// <summary>Where the managed copy is looked for: beside this assembly, or beside the native binary.</summary>
    public static string ManagedCopy() => Path.Combine(Home(), ManagedCopyRelativePath);

    private static bool DotNetViewBeside() => File.Exists(Path.Combine(Home(), "ProcAudit.DotNet.dll"));

    // Not inlined: the JIT then loads ProcAudit.DotNet (and ClrMD behind it) only when this runs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IRuntimeEnricher InProcessDotNet() => new DotNet.DotNetEnricher();

    /// <summary>A native binary has no assembly location: its own directory is AppContext's.</summary>
    private static string Home() =>
        typeof(RuntimeViews).Assembly.Location is { Length: > 0 } location ? Path.GetDirectoryName(location)! : AppContext.BaseDirectory;
}
