using System.Diagnostics;

namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>Small C programs the tests build with the machine's compiler, for behaviour no script can show.</summary>
internal static class CPrograms
{
    /// <summary>Builds <paramref name="source"/> as <paramref name="dir"/>/<paramref name="name"/>; without a compiler the test says so and fails.</summary>
    public static string Compile(string dir, string name, string source)
    {
        string cc = Executables.FindOnPath("gcc") ?? Executables.FindOnPath("cc")
            ?? throw new InvalidOperationException("this test compiles a C program and needs gcc or cc on PATH; there is none here");
        File.WriteAllText(Path.Combine(dir, name + ".c"), source);
        string output = Path.Combine(dir, name);
        using Process compile = Process.Start(new ProcessStartInfo(cc, $"-O0 -pthread -o \"{output}\" \"{output}.c\"") { RedirectStandardError = true })!;
        string errors = compile.StandardError.ReadToEnd();
        compile.WaitForExit();
        Assert.True(compile.ExitCode == 0, $"{cc} failed: {errors}");
        return output;
    }

    /// <summary>Builds Programs/<paramref name="name"/>.c, the C sources the benchmark scripts build too.</summary>
    public static string CompileFile(string dir, string name) =>
        Compile(dir, name, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Programs", name + ".c")));
}
