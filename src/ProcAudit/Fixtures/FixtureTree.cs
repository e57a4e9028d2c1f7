using System.Text.Json;
using ProcAudit.Capture;

namespace ProcAudit.Fixtures;

/// <summary>A recorded tree (proc/ plus fixture.json) that can be audited exactly like a live machine.</summary>
internal sealed class FixtureTree
{
    private FixtureTree(string directory, FixtureManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public string Directory { get; }

    public FixtureManifest Manifest { get; }

    public int Root => Manifest.Root;

    public static FixtureTree Load(string directory)
    {
        string json = File.ReadAllText(Path.Combine(directory, FixtureManifest.FileName));
        FixtureManifest manifest = JsonSerializer.Deserialize(json, FixtureManifest.TypeInfo)
            ?? throw new InvalidDataException($"{directory}/{FixtureManifest.FileName} is empty");
        return new FixtureTree(directory, manifest);
    }

    /// <summary>An auditor over the recorded files; single sample, since a recording is one moment.</summary>
    public Auditor CreateAuditor(AuditOptions? options = null) =>
        new((options ?? new AuditOptions()) with { Interval = TimeSpan.Zero, ProcRoot = Path.Combine(Directory, "proc") }, new RecordedProbe(Manifest), null);

    public AuditResult Audit(AuditOptions? options = null) => CreateAuditor(options).Audit(Root);

    private sealed class RecordedProbe : IPipeProbe
    {
        private readonly FixtureManifest _manifest;

        public RecordedProbe(FixtureManifest manifest)
        {
            _manifest = manifest;
        }

        public PipeLevel Probe(int pid, int fd, ulong inode) =>
            _manifest.PipeLevels.TryGetValue(FixtureManifest.Key(pid, fd), out PipeLevel? level)
                ? level
                : new PipeLevel(null, null, "not recorded");
    }
}
