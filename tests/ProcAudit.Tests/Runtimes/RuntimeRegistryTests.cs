using ProcAudit.Capture;
using ProcAudit.Runtimes;

namespace ProcAudit.Tests.Runtimes;

/// <summary>
/// Every runtime the capture can name is either explained by exactly one view module or listed as having the
/// kernel view only, and each module is found for the runtime it claims: a runtime added to the detector without a
/// decision here fails.
/// </summary>
public sealed class RuntimeRegistryTests
{
    [Fact]
    public void Every_runtime_name_has_a_module_or_is_kernel_view_only_never_both()
    {
        foreach (string name in RuntimeNames.All)
        {
            RuntimeViewModule? module = RuntimeRegistry.For(name);
            bool kernelOnly = RuntimeRegistry.KernelViewOnly.Contains(name);
            Assert.True(module is not null ^ kernelOnly, $"{name}: a module ({module?.GetType().Name ?? "none"}) or kernel view only ({kernelOnly}), exactly one");
            if (module is not null)
            {
                Assert.Equal(name, module.Runtime);
            }
        }
        Assert.Null(RuntimeRegistry.For(null));
    }

    [Fact]
    public void Every_module_is_listed_once_and_found_for_its_runtime()
    {
        Assert.Equal(RuntimeRegistry.Modules.Count, RuntimeRegistry.Modules.Select(m => m.Runtime).Distinct().Count());
        Assert.All(RuntimeRegistry.Modules, m => Assert.Same(m, RuntimeRegistry.For(m.Runtime)));
        Assert.All(RuntimeRegistry.Modules, m => Assert.Contains(m.Runtime, RuntimeNames.All));
        Assert.All(RuntimeRegistry.KernelViewOnly, n => Assert.Contains(n, RuntimeNames.All));
    }

    /// <summary>What the detector says for each runtime's files is one of the names the registry decides on.</summary>
    [Theory]
    [InlineData("dotnet", "libcoreclr.so", false, "dotnet")]
    [InlineData("java", "libjvm.so", false, "jvm")]
    [InlineData("python3.11", "libpython3.11.so.1.0", false, "python")]
    [InlineData("python3", "libc.so.6", false, "python")]
    [InlineData("node", "libc.so.6", false, "node")]
    [InlineData("server", "libc.so.6", true, "go")]
    public void The_detector_names_only_runtimes_the_registry_knows(string exe, string mapped, bool goBinary, string expected)
    {
        string? runtime = RuntimeDetector.Detect(exe, new HashSet<string> { mapped }, () => goBinary);
        Assert.Equal(expected, runtime);
        Assert.Contains(runtime, RuntimeNames.All);
    }
}
