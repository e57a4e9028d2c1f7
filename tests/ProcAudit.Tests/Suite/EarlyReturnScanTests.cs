namespace ProcAudit.Tests.Suite;

/// <summary>
/// The suite's own honesty: no test passes by returning before it checked anything because the machine lacks
/// something (a compiler, IPv6, an architecture). A missing prerequisite must fail the test with a message that
/// names it; .ci/run installs them all.
/// </summary>
public sealed class EarlyReturnScanTests
{
    /// <summary>Test methods allowed to return early on a prerequisite, as "path:Method". Keep it empty.</summary>
    private static readonly string[] s_allowed = [];

    [Fact]
    public void No_test_method_returns_early_when_a_prerequisite_is_missing()
    {
        string tests = Path.Combine(Repository.Root, "tests");
        List<string> files = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(path => !Path.GetRelativePath(tests, path).Split('/').Any(part => part is "bin" or "obj"))
            .ToList();
        List<EarlyReturnScan.Finding> findings = files
            .SelectMany(path => EarlyReturnScan.Scan(Path.GetRelativePath(Repository.Root, path), File.ReadAllText(path)))
            .Where(finding => !s_allowed.Contains($"{finding.File}:{finding.Method}"))
            .ToList();

        // The scan reads the whole suite: this file, and the tests of every project.
        Assert.Contains(files, path => path.EndsWith("ProcAudit.Go.Tests/GoBinaryTests.cs", StringComparison.Ordinal));
        Assert.True(findings.Count == 0, "tests that return early instead of failing on a missing prerequisite (fail with a message naming it):\n" + string.Join('\n', findings));
        Assert.Empty(s_allowed);
    }

    [Theory]
    [InlineData("""
        string? compiler = Executables.FindOnPath("cc") ?? Executables.FindOnPath("gcc");
        if (compiler is null)
        {
            _output.WriteLine("NOT CHECKED: no C compiler");
            return;
        }
        Compile(compiler);
        """, "compiler is null")]
    [InlineData("""
        if (!Socket.OSSupportsIPv6)
        {
            return;
        }
        Connect();
        """, "!Socket.OSSupportsIPv6")]
    [InlineData("""
        if (!File.Exists("/usr/lib/go-1.21/bin/go")) return;
        Build();
        """, "!File.Exists(\"/usr/lib/go-1.21/bin/go\")")]
    [InlineData("""
        foreach (string name in names)
        {
            if (compiled == null) { return; }
        }
        """, "compiled == null")]
    [InlineData("""
        if (!OperatingSystem.IsLinux())
            return;
        """, "!OperatingSystem.IsLinux()")]
    public void An_early_return_on_a_prerequisite_in_a_test_is_found(string body, string guard)
    {
        string source = Wrap("[Fact]", "public async Task Checks()", body);

        EarlyReturnScan.Finding finding = Assert.Single(EarlyReturnScan.Scan("Sample.cs", source));

        Assert.Equal("Checks", finding.Method);
        Assert.Equal(guard, finding.Guard);
        Assert.Contains("return;", source.Split('\n')[finding.Line - 1]);
    }

    [Theory]
    [InlineData("[Fact]", "public void Fails() { if (compiler is null) { throw new InvalidOperationException(\"gcc is needed\"); } Run(); }")]
    [InlineData("[Fact]", "public void Loops() { foreach (int i in all) { if (i > 3) { return; } } }")]
    [InlineData("[Fact]", "public void Done() { Assert.NotNull(x); return; }")]
    [InlineData("", "private static void Helper() { if (compiler is null) { return; } }")]
    [InlineData("[Fact]", "public void Text() { string s = \"if (x is null) { return; }\"; char c = '{'; /* if (y is null) return; */ Assert.NotNull(s); }")]
    [InlineData("[Fact]", "public void Interpolated() { string s = $\"{string.Join(\", \", list)} {{ if (a is null) return; }}\"; Assert.NotNull(s); }")]
    [InlineData("[Theory]\n[InlineData(new[] { \"a\" })]", "public void Data(string[] a) { if (a is null) { Assert.Fail(\"no data\"); } }")]
    public void Code_that_does_not_return_early_on_a_prerequisite_is_not_found(string attributes, string method)
    {
        string source = $$"""
            public sealed class Sample
            {
                {{attributes}}
                {{method}}
            }
            """;

        Assert.Empty(EarlyReturnScan.Scan("Sample.cs", source));
    }

    [Fact]
    public void The_tests_that_returned_early_before_issue_21_are_found()
    {
        // As they stood in the suite (NetlinkConstantsTests, TcpLoopbackLiveTests), shortened.
        string source = """
            public sealed class Old
            {
                [Fact(Timeout = 120_000)]
                public async Task ConstantsMatchThisMachinesHeaders()
                {
                    bool required = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI_REQUIRE_CC"));
                    string? compiler = Executables.FindOnPath("cc") ?? Executables.FindOnPath("gcc");
                    if (compiler is null)
                    {
                        Assert.False(required, "CI_REQUIRE_CC is set but neither 'cc' nor 'gcc' is on PATH.");
                        _output.WriteLine("NOT CHECKED: no C compiler (cc/gcc) on PATH; socket constants were not compared with the headers.");
                        return;
                    }
                    await File.WriteAllTextAsync(source, Source(s_headers, s_checks));
                }

                [Fact]
                public void Ipv4ClientOfADualStackListenerPairsWithItsMappedServer()
                {
                    if (!Socket.OSSupportsIPv6)
                    {
                        return;
                    }
                    using Socket listener = new(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
                }
            }
            """;

        IReadOnlyList<EarlyReturnScan.Finding> findings = EarlyReturnScan.Scan("Old.cs", source);

        Assert.Equal(
            [("ConstantsMatchThisMachinesHeaders", 12, "compiler is null"), ("Ipv4ClientOfADualStackListenerPairsWithItsMappedServer", 22, "!Socket.OSSupportsIPv6")],
            findings.Select(f => (f.Method, f.Line, f.Guard)));
    }

    private static string Wrap(string attribute, string signature, string body)
    {
        string indented = string.Join('\n', body.Split('\n').Select(line => "        " + line));
        return $"public sealed class Sample\n{{\n    {attribute}\n    {signature}\n    {{\n{indented}\n    }}\n}}\n";
    }
}
