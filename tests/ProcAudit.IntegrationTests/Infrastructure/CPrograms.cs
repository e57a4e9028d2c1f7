namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>Small C programs the tests build with the machine's compiler, for behaviour no script can show.</summary>
internal static class CPrograms
{
    private static readonly TimeSpan s_compileTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Builds <paramref name="source"/> as <paramref name="dir"/>/<paramref name="name"/>; without a compiler the test says so and fails.</summary>
    public static string Compile(string dir, string name, string source)
    {
        string cc = Prerequisites.CCompiler($"this test runs a C program ({name}.c) it compiles first");
        File.WriteAllText(Path.Combine(dir, name + ".c"), source);
        string output = Path.Combine(dir, name);
        CommandResult compile = BoundedCommand.Run(cc, ["-O0", "-pthread", "-o", output, output + ".c"], s_compileTimeout);
        Assert.True(compile.ExitCode == 0, $"{cc} failed: {compile.Output}");
        return output;
    }

    /// <summary>Builds Programs/<paramref name="name"/>.c, the C sources the benchmark scripts build too.</summary>
    public static string CompileFile(string dir, string name) =>
        Compile(dir, name, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Programs", name + ".c")));
}
