using System.Collections.Immutable;
using AngleSharp.Html.Parser;
using ProcAudit.IntegrationTests.Infrastructure;
using ProcAudit.Reporting;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>
/// The HTML report opened in headless Chromium (Debian's chromium; a missing browser fails the test and says
/// how to install it, as .ci/run does): the page of a recorded Go pipe-order inversion whose processes carry
/// a hostile name, written by `analyze --html`. The browser draws the graph (its red cycle is in the
/// screenshot, and only there when the SVG is), and the DOM it builds holds every node label as text and
/// no element the name tried to add.
/// </summary>
public sealed class HtmlReportBrowserTests
{
    private const string Hostile = "<script>alert(1)</script><img src=x onerror=alert(2)></svg>&\"'";

    [Fact]
    public void Chromium_draws_the_graph_and_its_red_cycle_and_builds_no_element_from_a_hostile_name()
    {
        string chromium = Prerequisites.Chromium();
        string dir = Directory.CreateTempSubdirectory("procaudit-browser-").FullName;
        try
        {
            string html = WriteHostileReport(dir);
            HtmlReportPage page = HtmlReportPage.Parse(File.ReadAllText(html));
            page.AssertLaidOut();
            Assert.Equal(4, page.Edges.Count(e => e.Cycle));
            // The same page without its graph: whatever red the first screenshot has beyond this one, the SVG drew.
            string bare = Path.Combine(dir, "bare.html");
            File.WriteAllText(bare, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(html), "<svg .*?</svg>", "", System.Text.RegularExpressions.RegexOptions.Singleline));

            PngPixels drawn = Screenshot(chromium, dir, html, "drawn");
            PngPixels without = Screenshot(chromium, dir, bare, "bare");

            Assert.Equal((1280, 2000), (drawn.Width, drawn.Height));
            int ink = drawn.Count((r, g, b) => r < 200 || g < 200 || b < 200);
            Assert.True(ink > 20_000, $"the page is nearly blank: {ink} pixels not white");
            int red = drawn.Count(IsCycleRed) - without.Count(IsCycleRed);
            Assert.True(red > 600, $"the graph drew {red} pixels of the cycle's red (#dd0000)");
            int graphInk = ink - without.Count((r, g, b) => r < 200 || g < 200 || b < 200);
            Assert.True(graphInk > 3_000, $"the graph drew {graphInk} pixels that are not white");

            // The DOM the browser built: every node label there as text, and nothing the name tried to add.
            CommandResult dump = RunChromium(chromium, dir, "--dump-dom", new Uri(html).AbsoluteUri);
            var dom = new HtmlParser().ParseDocument(dump.Stdout);
            Assert.Empty(dom.QuerySelectorAll("script, img"));
            Assert.Contains(Hostile, dom.QuerySelector("h1")!.TextContent);
            Assert.Equal(page.Nodes.Values.Select(n => n.Label).Order(), dom.QuerySelectorAll("svg.wait-graph g.node > title").Select(t => t.TextContent).Order());
            Assert.Equal(page.Edges.Count, dom.QuerySelectorAll("svg.wait-graph g.edge path").Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The recorded Go pipe inversion with every process named <see cref="Hostile"/>, through `analyze --html`.</summary>
    private static string WriteHostileReport(string dir)
    {
        Snapshot recorded = ReportJson.DeserializeSnapshot(File.ReadAllText(Path.Combine(Repository.Root, "tests", "fixtures", "snapshots", "go-pipe-order-inversion.json")));
        Snapshot hostile = recorded with
        {
            Processes = recorded.Processes.Select(p => p with { Name = Hostile, Cmdline = [Hostile] }).ToImmutableArray(),
        };
        string snapshot = Path.Combine(dir, "snapshot.json");
        File.WriteAllText(snapshot, ReportJson.SerializeSnapshot(hostile));
        string html = Path.Combine(dir, "report.html");
        CliRun run = Infrastructure.Cli.Run("analyze", snapshot, "--html", html);
        Assert.True(run.ExitCode == 2, $"analyze exited {run.ExitCode}, not 2 (deadlock):\n{run.Stdout}\n{run.Stderr}");
        return html;
    }

    private static PngPixels Screenshot(string chromium, string dir, string html, string name)
    {
        string png = Path.Combine(dir, name + ".png");
        RunChromium(chromium, dir, "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,2000", "--screenshot=" + png, new Uri(html).AbsoluteUri);
        Assert.True(File.Exists(png), $"chromium wrote no screenshot {png}");
        return PngPixels.Read(png);
    }

    /// <summary>Headless Chromium with a fresh profile and nothing that reaches the network, in a session killed afterwards.</summary>
    private static CommandResult RunChromium(string chromium, string dir, params string[] args)
    {
        string profile = Directory.CreateDirectory(Path.Combine(dir, "profile-" + Guid.NewGuid().ToString("N"))).FullName;
        string[] flags =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
        ];
        CommandResult result = BoundedCommand.Run(chromium, [.. flags, .. args], TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0, $"chromium exited {result.ExitCode}:\n{result.Stderr}");
        return result;
    }

    private static bool IsCycleRed(byte r, byte g, byte b) => r >= 180 && g <= 70 && b <= 70;
}
