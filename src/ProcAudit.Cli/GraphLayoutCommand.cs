using System.Runtime.CompilerServices;
using System.Text.Json;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Layout;
using ProcAudit.Reporting;
using ProcAudit.Views;

namespace ProcAudit.Cli;

/// <summary>
/// Lays out a wait graph with MSAGL for the HTML report (see <see cref="OutOfProcessGraphLayout"/>, which
/// says why this runs in a process of its own): the request as JSON on stdin, the layout as JSON on
/// stdout. Only the JIT-compiled copy of the tool has it; in the native build the branch below is a
/// constant and MSAGL is trimmed away with it, so none of its trim warnings reach that build.
/// </summary>
[Command(OutOfProcessGraphLayout.Verb, ShowInHelpText = false)]
internal sealed class GraphLayoutCommand : CommandBase
{
    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new CliException(ExitCodes.CannotAudit, "the graph layout runs only in the JIT-compiled copy of the tool");
        }
        LayoutRequest request;
        try
        {
            request = GraphLayoutJson.DeserializeRequest(Console.In.ReadToEnd());
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"stdin is not a layout request: {e.Message.Split('\n')[0]}");
        }
        try
        {
            stdout.WriteLine(GraphLayoutJson.Serialize(new MsaglGraphLayout().Layout(request, cancellationToken)));
        }
        catch (GraphLayoutException e)
        {
            throw new CliException(ExitCodes.CannotAudit, e.Message);
        }
        return ExitCodes.Ok;
    }
}
