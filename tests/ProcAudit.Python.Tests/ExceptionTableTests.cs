using System.Diagnostics;
using System.Text.Json;
using ProcAudit.Python.Tests.Infrastructure;

namespace ProcAudit.Python.Tests;

/// <summary>
/// The exception-table reader (3.11 on) against the interpreter's own parser (dis._parse_exception_table) on real code
/// objects full of with and try blocks: at every instruction offset the handler depth is the one dis gives.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExceptionTableTests
{
    // Code objects with nested with blocks, try/except/finally and generators, from the standard library and one of its own.
    private const string Program = """
        import dis, json, subprocess, threading, contextlib, queue
        def nested(a, b, g):
            with a:
                g(1)
                with b:
                    try:
                        g(2)
                    finally:
                        g(3)
        codes = [nested.__code__, threading.Condition.wait.__code__, threading.Thread._bootstrap_inner.__code__,
                 subprocess.Popen.communicate.__code__, subprocess.Popen._communicate.__code__, queue.Queue.get.__code__,
                 contextlib.ExitStack.__exit__.__code__]
        print(json.dumps([{"table": c.co_exceptiontable.hex(), "size": len(c.co_code),
                           "entries": [[e.start, e.end, e.depth] for e in dis._parse_exception_table(c)]} for c in codes]))
        """;

    public static TheoryData<string> WithExceptionTables => new() { "3.11", "3.12", "3.13", Interpreters.Debian };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(WithExceptionTables))]
    public async Task DepthAtEveryOffsetEqualsTheInterpretersOwnParse(string version)
    {
        await Task.Yield();
        using JsonDocument codes = JsonDocument.Parse(Run(Interpreters.Executable(version), Program));
        int checkedOffsets = 0;
        foreach (JsonElement code in codes.RootElement.EnumerateArray())
        {
            byte[] table = Convert.FromHexString(code.GetProperty("table").GetString()!);
            List<(int Start, int End, int Depth)> entries = code.GetProperty("entries").EnumerateArray()
                .Select(e => (e[0].GetInt32(), e[1].GetInt32(), e[2].GetInt32())).ToList();
            Assert.NotEmpty(entries);
            for (int offset = 0; offset < code.GetProperty("size").GetInt32(); offset += 2)
            {
                int expected = entries.Where(e => offset >= e.Start && offset < e.End).Select(e => e.Depth).DefaultIfEmpty(0).First();
                Assert.Equal(expected, ExceptionTable.Depth(table, offset));
                checkedOffsets++;
            }
        }

        Assert.True(checkedOffsets > 500, $"only {checkedOffsets} offsets checked");
    }

    [Fact]
    public void ATruncatedOrUnmarkedTableIsMalformedNotMisread()
    {
        // One entry: start 5, size 15, target 20, depth 1 with lasti (3), the first byte marked with 0x80.
        byte[] table = [0x85, 0x0f, 0x14, 0x03];
        Assert.Equal(1, ExceptionTable.Depth(table, 10));
        Assert.Equal(0, ExceptionTable.Depth(table, 40));
        Assert.Null(ExceptionTable.Depth(table[..3], 40));
        Assert.Null(ExceptionTable.Depth([0x05, 0x0f, 0x14, 0x03], 40));
    }

    private static string Run(string python, string program)
    {
        ProcessStartInfo start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(program);
        using Process process = Process.Start(start)!;
        try
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(30_000) && process.ExitCode == 0, $"{python} failed: {stderr.Result}");
            return stdout;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
