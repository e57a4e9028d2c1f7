using McMaster.Extensions.CommandLineUtils;
using McMaster.Extensions.CommandLineUtils.HelpText;

namespace ProcAudit.Cli;

/// <summary>
/// The default help layout, with the commands' closing hint naming our own --help: the library
/// builds that hint from its [HelpOption], which we do not use (it pages help through `less`).
/// </summary>
internal sealed class HelpText : DefaultHelpTextGenerator
{
    protected override void GenerateCommands(CommandLineApplication application, TextWriter output, IReadOnlyList<CommandLineApplication> visibleCommands, int firstColumnWidth)
    {
        if (visibleCommands.Count == 0)
        {
            return;
        }
        output.WriteLine();
        output.WriteLine("Commands:");
        foreach (CommandLineApplication command in visibleCommands.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            output.WriteLine("  " + (command.Name ?? "").PadRight(firstColumnWidth + 2) + command.Description);
        }
        output.WriteLine();
        output.WriteLine($"Run '{application.Name} [command] --help' for more information about a command.");
    }
}
