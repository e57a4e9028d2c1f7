using System.Diagnostics;
using McMaster.Extensions.CommandLineUtils;

namespace ProcAudit.Cli;

/// <summary>
/// The two halves of the demo's deadlock, run as hidden verbs of this same tool so the demo needs
/// nothing else on the machine: a parent that drains its child's stdout to EOF before it touches
/// stderr, and a child that fills stderr first.
/// </summary>
internal static class DemoPair
{
    public const string ParentVerb = "demo-parent";
    public const string ChildVerb = "demo-child";
    public const int StderrBytes = 256 * 1024;

    /// <summary>How to start this tool again: the apphost directly, or the dotnet host with our dll.</summary>
    public static ProcessStartInfo Self(params string[] args)
    {
        string exe = Environment.ProcessPath ?? "dotnet";
        ProcessStartInfo start = new(exe) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
        {
            // Assembly.Location is empty in a native build; this branch is only taken by the dotnet host.
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, typeof(DemoPair).Assembly.GetName().Name + ".dll"));
        }
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        return start;
    }

    [Command(ParentVerb, ShowInHelpText = false)]
    internal sealed class ParentCommand
    {
        private int OnExecute()
        {
            ProcessStartInfo start = Self(ChildVerb);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            using Process child = Process.Start(start)!;
            // The bug on purpose: stdout is drained to EOF before stderr is read at all.
            string output = child.StandardOutput.ReadToEnd();
            string errors = child.StandardError.ReadToEnd();
            child.WaitForExit();
            return output.Length + errors.Length > 0 ? 0 : 1;
        }
    }

    [Command(ChildVerb, ShowInHelpText = false)]
    internal sealed class ChildCommand
    {
        private int OnExecute()
        {
            using Stream stderr = Console.OpenStandardError();
            byte[] line = new byte[4096];
            Array.Fill(line, (byte)'e');
            for (int written = 0; written < StderrBytes; written += line.Length)
            {
                stderr.Write(line);
            }
            using Stream stdout = Console.OpenStandardOutput();
            stdout.Write("done\n"u8);
            return 0;
        }
    }
}
