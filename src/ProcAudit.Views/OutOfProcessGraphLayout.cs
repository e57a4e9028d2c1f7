using System.ComponentModel;
using System.Diagnostics;
using ProcAudit.Reporting;

namespace ProcAudit.Views;

/// <summary>
/// The wait graph laid out by MSAGL in another process: the JIT-compiled copy of the tool (the same
/// one that takes the .NET view, <see cref="RuntimeViews.ManagedCopy"/>) runs its hidden graph-layout
/// verb with the dotnet host, the request as JSON on stdin, the layout as JSON on stdout.
/// </summary>
/// <remarks>
/// Why not in process: MSAGL (AutomaticGraphLayout 1.1.12) is not trim-safe (its test paths call
/// BinaryFormatter, and the native build would carry its warnings and size), the MSBuild tasks keep
/// third-party code out of the build's own process, and a layout engine that overflows its stack
/// or runs away on some graph must cost the picture, never the audit. Every front end takes this one
/// path, so it is the path the tests exercise. It costs the copy's start-up and MSAGL's compilation,
/// about a second here, and runs only when an HTML report is asked for; the request holds sizes and
/// generated ids only, never a name from the audited tree.
/// </remarks>
public sealed class OutOfProcessGraphLayout : IGraphLayout
{
    /// <summary>The hidden verb of the tool that lays out a graph.</summary>
    public const string Verb = "graph-layout";

    private readonly string _managedCopy;
    private readonly TimeSpan _timeout;

    /// <summary>A layout taken by the JIT-compiled tool at <paramref name="managedCopy"/>, given at most <paramref name="timeout"/>.</summary>
    public OutOfProcessGraphLayout(string managedCopy, TimeSpan timeout)
    {
        _managedCopy = managedCopy;
        _timeout = timeout;
    }

    /// <summary>The layout every front end uses: the copy of the tool beside it (see <see cref="RuntimeViews.ManagedCopy"/>), within 30 s.</summary>
    public static OutOfProcessGraphLayout Default() => new(RuntimeViews.ManagedCopy(), TimeSpan.FromSeconds(30));

    /// <inheritdoc />
    public GraphLayout Layout(LayoutRequest request, CancellationToken cancellationToken)
    {
        if (!File.Exists(_managedCopy))
        {
            throw new GraphLayoutException($"the layout needs the JIT-compiled copy of the tool at {_managedCopy}, which is missing");
        }
        // Its own empty working directory: whatever the layout engine might write there stays out of the user's.
        string scratch = Directory.CreateTempSubdirectory("procaudit-layout-").FullName;
        try
        {
            ProcessStartInfo start = new(OutOfProcessDotNetView.DotnetHost())
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = scratch,
            };
            start.ArgumentList.Add(_managedCopy);
            start.ArgumentList.Add(Verb);
            using Process helper = Start(start);
            try
            {
                Task<string> stdout = helper.StandardOutput.ReadToEndAsync(CancellationToken.None);
                Task<string> stderr = helper.StandardError.ReadToEndAsync(CancellationToken.None);
                helper.StandardInput.Write(GraphLayoutJson.Serialize(request));
                helper.StandardInput.Close();
                using (CancellationTokenSource bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    bound.CancelAfter(_timeout);
                    try
                    {
                        helper.WaitForExitAsync(bound.Token).GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new GraphLayoutException($"the layout did not finish within {_timeout.TotalSeconds:0} s");
                    }
                }
                if (helper.ExitCode != 0)
                {
                    throw new GraphLayoutException($"the layout failed (exit {helper.ExitCode}): {FirstLine(stderr.GetAwaiter().GetResult())}");
                }
                return GraphLayoutJson.DeserializeLayout(stdout.GetAwaiter().GetResult(), request);
            }
            finally
            {
                if (!helper.HasExited)
                {
                    helper.Kill(entireProcessTree: true);
                    helper.WaitForExit();
                }
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new GraphLayoutException($"the layout needs the dotnet host, and {start.FileName} did not start");
        }
        catch (Win32Exception e)
        {
            throw new GraphLayoutException($"the layout needs the dotnet host, and {start.FileName} could not be started: {e.Message}", e);
        }
    }

    private static string FirstLine(string text) => text.Trim().Split('\n')[0].Trim();
}
