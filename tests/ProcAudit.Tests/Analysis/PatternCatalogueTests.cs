using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProcAudit.Analysis;
using ProcAudit.Analysis.Patterns;
using ProcAudit.Reporting;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Analysis;

/// <summary>
/// The pattern catalogue is the one place pattern names, sentences and fixes are written: every cycle and finding any
/// code path makes comes from one of its entries, every entry is used, and its names are the ones the README and the
/// report schema document.
/// </summary>
public sealed class PatternCatalogueTests
{
    // Named in the README (its example report) but missing from the list under "What it concludes"; when the list
    // gains it, this test fails until the name is taken off here.
    private static readonly string[] s_notInTheReadmeList = ["async-lock-order-inversion"];

    // Files others own that match a finding kind by its literal name (consumers, not emitters).
    private static readonly string[] s_mayNameAPattern =
    [
        "src/ProcAudit.MSBuild/AuditLog.cs",
    ];

    private static readonly Regex s_stableName = new(@"^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant);

    private static readonly Regex s_backticked = new(@"`([a-z0-9]+(?:-[a-z0-9]+)+)`", RegexOptions.CultureInvariant);

    private static ImmutableArray<Pattern> All => PatternCatalogue.All;

    private static IEnumerable<string> Names(PatternFamily family) => All.Where(p => p.Family == family).Select(p => p.Name);

    [Fact]
    public void Every_entry_is_listed_once_with_a_stable_name_and_a_title()
    {
        List<Pattern> fields = typeof(PatternCatalogue).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => typeof(Pattern).IsAssignableFrom(f.FieldType)).Select(f => (Pattern)f.GetValue(null)!).ToList();

        Assert.Equal(fields.Select(p => p.Name).Order(), All.Select(p => p.Name).Order());
        Assert.Equal(All.Length, All.Select(p => p.Name).Distinct().Count());
        Assert.All(All, p =>
        {
            Assert.Matches(s_stableName, p.Name);
            Assert.False(string.IsNullOrWhiteSpace(p.Title), $"{p.Name} has no title");
            Assert.Same(p, PatternCatalogue.Find(p.Name));
        });
        Assert.Equal(
            ["async-lock-order-inversion", "lock-order-inversion", "pipe-order-inversion", "recv-recv-deadlock", "send-send-deadlock", "sync-context-deadlock", "wait-before-drain", "wait-cycle"],
            Names(PatternFamily.Cycle).Order());
    }

    [Fact]
    public void No_code_outside_the_catalogue_makes_a_cycle_or_a_finding_or_spells_a_pattern_name()
    {
        Regex makes = new(@"\bnew\s+(Cycle|Finding)\s*\(|\b(Cycle|Finding)\??\s+\w+\s*=\s*new\s*\(", RegexOptions.CultureInvariant);
        Regex literal = new("\"(" + string.Join("|", All.Select(p => Regex.Escape(p.Name))) + ")\"", RegexOptions.CultureInvariant);
        List<string> offences = new();
        foreach ((string path, string text) in Sources())
        {
            if (path.StartsWith("src/ProcAudit/Analysis/Patterns/", StringComparison.Ordinal))
            {
                continue;
            }
            offences.AddRange(makes.Matches(text).Select(m => $"{path}: {m.Value}"));
            if (!s_mayNameAPattern.Contains(path))
            {
                offences.AddRange(literal.Matches(text).Select(m => $"{path}: {m.Value}"));
            }
        }
        Assert.True(offences.Count == 0, "made or named outside the catalogue:\n" + string.Join('\n', offences));
    }

    [Fact]
    public void Every_entry_is_made_by_some_code_path()
    {
        string code = string.Concat(Sources().Where(s => !s.Path.StartsWith("src/ProcAudit/Analysis/Patterns/", StringComparison.Ordinal)).Select(s => s.Text));
        IEnumerable<string> unused = typeof(PatternCatalogue).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => typeof(Pattern).IsAssignableFrom(f.FieldType))
            .Where(f => !Regex.IsMatch(code, @"\bPatternCatalogue\." + f.Name + @"\b", RegexOptions.CultureInvariant))
            .Select(f => f.Name);
        Assert.Empty(unused);
    }

    [Fact]
    public void Every_cycle_and_finding_of_the_recorded_trees_and_snapshots_is_a_catalogue_entry_of_its_family()
    {
        List<AnalysisResult> results = new();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", "fixtures", "snapshots"), "*.json"))
        {
            results.Add(Analyzer.Analyze(ReportJson.DeserializeSnapshot(File.ReadAllText(file))));
        }
        foreach (string tree in new[]
        {
            RecordedFixtures.PipeOrderInversion, RecordedFixtures.WaitBeforeDrain, RecordedFixtures.LeakedWriteEnd, RecordedFixtures.ReaderNotReading,
            RecordedFixtures.StoppedWriter, RecordedFixtures.SleepingParent, RecordedFixtures.ZombieChild, RecordedFixtures.Epoll, RecordedFixtures.BusyLoop,
        })
        {
            results.Add(RecordedFixtures.Load(tree).Audit().Analysis);
        }

        Assert.All(results.SelectMany(r => r.Cycles), c => Assert.Equal(PatternFamily.Cycle, PatternCatalogue.Find(c.Pattern)?.Family));
        Assert.All(results.SelectMany(r => r.Findings), f => Assert.Equal(PatternFamily.Finding, PatternCatalogue.Find(f.Kind)?.Family));
        // The recordings do reach both families.
        Assert.Contains(results, r => !r.Cycles.IsEmpty);
        Assert.Contains(results, r => !r.Findings.IsEmpty);
    }

    [Fact]
    public void The_names_are_the_ones_the_README_lists()
    {
        string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        Match list = Regex.Match(readme, @"cycles with a pattern name \((?<cycles>[^)]*)\) and findings that\s+are not cycles \((?<findings>[^)]*)\)", RegexOptions.CultureInvariant);
        Assert.True(list.Success, "the README's list of patterns (\"What it concludes\") was not found");
        List<string> cycles = s_backticked.Matches(list.Groups["cycles"].Value).Select(m => m.Groups[1].Value).ToList();
        List<string> findings = s_backticked.Matches(list.Groups["findings"].Value).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(Names(PatternFamily.Cycle).Except(s_notInTheReadmeList).Order(), cycles.Order());
        Assert.Equal(Names(PatternFamily.Finding).Except(s_notInTheReadmeList).Order(), findings.Order());
        // Each name the list leaves out is still documented: the README shows it in a report.
        Assert.All(s_notInTheReadmeList, name => Assert.Contains($"[{name}]", readme, StringComparison.Ordinal));
    }

    [Fact]
    public void The_names_the_report_schema_gives_as_examples_are_catalogue_entries_of_their_family()
    {
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "docs", "report.schema.json")));
        JsonElement definitions = schema.RootElement.GetProperty("definitions");
        string cycles = definitions.GetProperty("cycle").GetProperty("properties").GetProperty("pattern").GetProperty("description").GetString()!;
        string findings = definitions.GetProperty("finding").GetProperty("properties").GetProperty("kind").GetProperty("description").GetString()!;

        List<string> cycleNames = s_backticked.Matches(cycles).Select(m => m.Groups[1].Value).ToList();
        List<string> findingNames = s_backticked.Matches(findings).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(cycleNames);
        Assert.NotEmpty(findingNames);
        Assert.All(cycleNames, n => Assert.Contains(n, Names(PatternFamily.Cycle)));
        Assert.All(findingNames, n => Assert.Contains(n, Names(PatternFamily.Finding)));
    }

    [Fact]
    public void The_leaked_write_end_sentence_and_fix_the_README_quotes_come_from_the_catalogue()
    {
        LeakedWriteEndFacts facts = new LeakedWriteEndFacts.HeldElsewhere(
            "bash 25201",
            [new PipeSide("stdout", 3, "pipe:[110333]", "empty")],
            new WriteEndHolder("sleep 25203", "sleep", 25203, "sleep 600", OrphanOf.Init, 1, OutsideTree: true, [1]),
            MoreHolders: 0,
            Inferred: null);
        string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

        Assert.Contains($"[leaked-write-end] {PatternCatalogue.LeakedWriteEnd.Summary(facts)}\n", readme, StringComparison.Ordinal);
        Assert.Contains($"Fix: {PatternCatalogue.LeakedWriteEnd.Fix(facts)}\n", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void A_supervised_command_s_two_leaked_streams_read_as_one_leaked_write_end_sentence()
    {
        LeakedWriteEndFacts facts = new LeakedWriteEndFacts.HeldElsewhere(
            "dotnet 700",
            [new PipeSide("stdout", 57, "pipe:[171279]", "empty"), new PipeSide("stderr", 58, "pipe:[171280]", "empty")],
            new WriteEndHolder("sleep 753", "sleep", 753, "sleep 30", OrphanOf.Init, 1, OutsideTree: false, [1, 2]),
            MoreHolders: 1,
            Inferred: null);

        Assert.Equal(
            "dotnet 700 waits for EOF on stdout (fd 57, pipe:[171279], empty) and stderr (fd 58, pipe:[171280], empty), but sleep 753 (`sleep 30`), " +
            "an orphan (its parent is now pid 1) still holds their write ends as fds 1 and 2 (and 1 more outside holders), so EOF never comes.",
            PatternCatalogue.LeakedWriteEnd.Summary(facts));
        Assert.Equal(
            "Stop sleep 753, or start background processes with their output redirected away from stdout and stderr (e.g. `cmd >/dev/null 2>&1 &`), " +
            "or stop waiting for EOF once the direct child has exited.",
            PatternCatalogue.LeakedWriteEnd.Fix(facts));
    }

    /// <summary>Every C# file under src/, as (path from the repository root, text).</summary>
    private static IEnumerable<(string Path, string Text)> Sources()
    {
        string src = Path.Combine(Repository.Root, "src");
        return Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(Path.Combine(Repository.Root, f))));
    }
}
