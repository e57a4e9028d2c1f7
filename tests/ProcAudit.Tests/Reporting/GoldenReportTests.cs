using System.Text;
using ProcAudit.Fixtures;
using ProcAudit.Reporting;

namespace ProcAudit.Tests.Reporting;

/// <summary>
/// Every recorded tree and snapshot in tests/fixtures, reported in text, JSON and Markdown, compared
/// byte for byte with the reports kept in tests/fixtures/reports: a change of shape inside the
/// house (a module moved, a registry added) must not change what a person or a CI script reads.
/// A deliberate change of wording is made by running with PROCAUDIT_BLESS=1 and reviewing the diff.
/// </summary>
public sealed class GoldenReportTests
{
    public static TheoryData<string> Recordings()
    {
        TheoryData<string> data = new();
        string fixtures = Path.Combine(Repository.Root, "tests", "fixtures");
        foreach (string dir in Directory.EnumerateDirectories(fixtures).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(dir, FixtureManifest.FileName)))
            {
                data.Add("tree/" + Path.GetFileName(dir));
            }
        }
        foreach (string file in Directory.EnumerateFiles(Path.Combine(fixtures, "snapshots"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add("snapshot/" + Path.GetFileNameWithoutExtension(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Reports_are_unchanged(string recording)
    {
        string fixtures = Path.Combine(Repository.Root, "tests", "fixtures");
        string name = recording.Split('/')[1];
        AuditResult result = recording.StartsWith("tree/", StringComparison.Ordinal)
            ? FixtureTree.Load(Path.Combine(fixtures, name)).Audit()
            : Auditor.Analyze(ReportJson.DeserializeSnapshot(File.ReadAllText(Path.Combine(fixtures, "snapshots", name + ".json"))));
        // The capture time of a replayed tree is the time of the replay.
        Report report = ReportBuilder.Build(result) with { CapturedAt = DateTimeOffset.UnixEpoch };
        StringWriter text = new() { NewLine = "\n" };
        TextReport.Write(report, text);
        StringWriter markdown = new() { NewLine = "\n" };
        MarkdownReport.Write(report, markdown);
        Dictionary<string, string> outputs = new()
        {
            ["txt"] = text.ToString(),
            ["json"] = ReportJson.Serialize(report).ReplaceLineEndings("\n") + "\n",
            ["md"] = markdown.ToString(),
        };
        string stem = Path.Combine(fixtures, "reports", recording.Replace('/', '-'));
        foreach ((string extension, string actual) in outputs)
        {
            string path = $"{stem}.{extension}";
            if (Environment.GetEnvironmentVariable("PROCAUDIT_BLESS") == "1")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, actual, new UTF8Encoding(false));
                continue;
            }
            Assert.True(File.Exists(path), $"{path} is missing: run the tests once with PROCAUDIT_BLESS=1 and review what it wrote");
            Assert.Equal(File.ReadAllText(path), actual);
        }
    }
}
