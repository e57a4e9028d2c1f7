using System.Diagnostics;
using System.Globalization;
using ProcAudit.Python.Tests.Infrastructure;

namespace ProcAudit.Python.Tests;

/// <summary>
/// The reader's layout tables equal each release's own headers: tools/python-layouts/offsets.c compiled against
/// them prints every offset, size and bit mask (offsetof, sizeof), and 3.13's _Py_DebugOffsets, read from the
/// real libpython, gives the same offsets as its headers.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LayoutTests
{
    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Interpreters.Supported), MemberType = typeof(Interpreters))]
    public async Task LayoutEqualsTheReleasesHeaders(string version)
    {
        await Task.Yield();
        Dictionary<string, long> printed = Offsets(Interpreters.Headers(version));
        PythonVersion minor = PythonVersion.FromFileName("python" + Interpreters.Minor(version))!.Value;
        Assert.Equal(minor, PythonVersion.FromHex((ulong)printed["version_hex"]) with { Micro = null });

        PythonLayout layout = PythonLayouts.ForMinor(minor)!;
        Assert.Equal(Sorted(printed.Where(p => p.Key != "version_hex" && !p.Key.StartsWith("debug.", StringComparison.Ordinal))), Sorted(layout.Describe()));
        if (minor.Minor == 13)
        {
            Assert.Equal(Sorted(printed.Where(p => p.Key.StartsWith("debug.", StringComparison.Ordinal))), Sorted(DebugOffsets.Describe()));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task DebugOffsetsOfTheReal313LibraryGiveTheHeadersLayout()
    {
        await Task.Yield();
        string library = Path.Combine(Interpreters.Home("3.13"), "lib", "libpython3.13.so.1.0");
        ElfFile elf = ElfFile.TryOpen(library, out string? error) ?? throw new InvalidOperationException(error);
        PythonBinary binary = PythonBinary.Load(library, elf);
        Assert.True(binary.Readable, binary.Note);
        Assert.Equal(13, binary.Version!.Value.Minor);

        byte[] head = elf.ReadAt(elf.Symbol("_PyRuntime")!.Value.Value, DebugOffsets.Size)!;
        PythonLayout fromDebugOffsets = DebugOffsets.ToLayout(head, out error)!;
        Assert.Null(error);
        Assert.Equal(Sorted(PythonLayouts.Python313Headers.Describe()), Sorted(fromDebugOffsets.Describe()));
        Assert.Equal(fromDebugOffsets, binary.Layout);
    }

    [Fact]
    public void DebugOffsetsOfAnotherBuildAreRefusedNotTrusted()
    {
        byte[] head = new byte[DebugOffsets.Size];
        "xdebugpy"u8.CopyTo(head);
        BitConverter.GetBytes(0x030d00f0UL).CopyTo(head, 8);
        BitConverter.GetBytes(1UL).CopyTo(head, 16);
        Assert.Null(DebugOffsets.ToLayout(head, out string? error));
        Assert.Contains("free-threaded", error, StringComparison.Ordinal);

        BitConverter.GetBytes(0UL).CopyTo(head, 16);
        BitConverter.GetBytes(1UL << 40).CopyTo(head, 184);
        Assert.Null(DebugOffsets.ToLayout(head, out error));
        Assert.Contains("implausible", error, StringComparison.Ordinal);
    }

    private static List<(string, long)> Sorted(IEnumerable<(string Name, long Value)> fields) => fields.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

    private static List<(string, long)> Sorted(IEnumerable<KeyValuePair<string, long>> fields) => Sorted(fields.Select(f => (f.Key, f.Value)));

    private static Dictionary<string, long> Offsets(string headers)
    {
        string source = Path.GetFullPath(Path.Combine(GoPrograms.SourceDirectory, "..", "..", "..", "tools", "python-layouts", "offsets.c"));
        string executable = Path.Combine(Path.GetTempPath(), $"procaudit-python-offsets-{Guid.NewGuid():N}");
        try
        {
            Run("gcc", "-DPy_BUILD_CORE", "-I", headers, "-o", executable, source);
            return Run(executable).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' '))
                .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        }
        finally
        {
            File.Delete(executable);
        }
    }

    private static string Run(string file, params string[] args)
    {
        ProcessStartInfo start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000) && process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {stderr.Result}");
        return stdout;
    }
}
