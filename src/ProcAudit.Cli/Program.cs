using McMaster.Extensions.CommandLineUtils;

namespace ProcAudit.Cli;

/// <summary>The entry point: a table of contents. Each verb lives in its own file.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == DotNetViewVerb.Verb)
        {
            return DotNetViewVerb.Run(args[1..], Console.In, Console.Out, Console.Error);
        }
        CommandLineApplication<AuditCommand> app = new(new HelpText(), PhysicalConsole.Singleton, Directory.GetCurrentDirectory(), throwOnUnexpectedArg: true);
        // The default conventions minus the default help option, which would page help through `less`.
        app.Conventions
            .UseAttributes()
            .SetAppNameFromEntryAssembly()
            .SetRemainingArgsPropertyOnModel()
            .SetSubcommandPropertyOnModel()
            .SetParentPropertyOnModel()
            .UseOnExecuteMethodFromModel()
            .UseOnValidateMethodFromModel()
            .UseOnValidationErrorMethodFromModel()
            .UseConstructorInjection();
        try
        {
            return app.Execute(args);
        }
        catch (CommandParsingException e)
        {
            Console.Error.WriteLine("procaudit: " + e.Message);
            return ExitCodes.Usage;
        }
    }
}
