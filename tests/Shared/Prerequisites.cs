namespace ProcAudit.TestSupport;

/// <summary>
/// The programs the tests need from the machine. A missing one is a failure that names it and says how to install
/// it, never a test that returns early and passes: `.ci/run` installs them all (see the README).
/// </summary>
internal static class Prerequisites
{
    /// <summary>gcc (or cc), with the C library and Linux headers the tests compile against.</summary>
    public static string CCompiler(string why)
    {
        return Executables.FindOnPath("gcc") ?? Executables.FindOnPath("cc")
            ?? throw new InvalidOperationException(
                $"gcc is needed and is not on PATH (neither gcc nor cc): {why}. Install it with `apt-get install gcc libc6-dev` (.ci/run does).");
    }

    /// <summary>python3, which the tests run as the parent or child of a hang.</summary>
    public static string Python3()
    {
        return Executables.FindOnPath("python3")
            ?? throw new InvalidOperationException("python3 is needed and is not on PATH: the test runs a Python program. Install it with `apt-get install python3` (.ci/run does).");
    }

    /// <summary>Chromium, which opens the HTML report headless and draws it.</summary>
    public static string Chromium()
    {
        return Executables.FindOnPath("chromium")
            ?? throw new InvalidOperationException("chromium is needed and is not on PATH: the test opens the HTML report in headless Chromium. Install it with `apt-get install chromium` (.ci/run does).");
    }
}
