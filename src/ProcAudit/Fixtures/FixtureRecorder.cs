using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ProcAudit.Analysis;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Fixtures;

/// <summary>
/// Records a live audit as a fixture tree: every /proc file and link the capture read (for the
/// processes that ended up in the snapshot), plus the pipe levels the live probe measured. The
/// result is a real tree, not an invented one, and <see cref="FixtureTree"/> audits it again.
/// </summary>
public static class FixtureRecorder
{
    /// <summary>Audits the tree under <paramref name="pid"/> live and records what the audit read under <paramref name="directory"/>.</summary>
    /// <exception cref="AuditException">The pid does not exist, or this is not a Linux procfs.</exception>
    public static AuditResult Record(int pid, string directory, CancellationToken cancellationToken)
    {
        BufferingRecorder files = new();
        RecordingProbe probe = new(new LivePipeProbe());
        Auditor auditor = new(new AuditOptions { Interval = TimeSpan.Zero }, probe, files);
        Snapshot snapshot = auditor.Capture(pid, cancellationToken);
        HashSet<string> keep = snapshot.Processes.Select(p => p.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();

        string proc = Path.Combine(directory, "proc");
        if (Directory.Exists(proc))
        {
            Directory.Delete(proc, recursive: true);
        }
        foreach ((string relative, byte[] content) in files.Files)
        {
            if (keep.Contains(relative.Split('/')[0]))
            {
                string path = Path.Combine(proc, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, Redacted(relative, content));
            }
        }
        foreach ((string relative, string target) in files.Links)
        {
            if (keep.Contains(relative.Split('/')[0]))
            {
                string path = Path.Combine(proc, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.CreateSymbolicLink(path, target);
            }
        }
        FixtureManifest manifest = new(pid, snapshot.Arch ?? "x64", snapshot.CapturedAt,
            probe.Levels.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value));
        File.WriteAllText(Path.Combine(directory, FixtureManifest.FileName), JsonSerializer.Serialize(manifest, FixtureManifest.TypeInfo));
        return new AuditResult(snapshot, Analyzer.Analyze(snapshot));
    }

    /// <summary>
    /// A recorded tree is meant for bug reports, so its command lines are redacted as every report's
    /// are; a command line with nothing to redact keeps its bytes exactly, invalid UTF-8 included.
    /// </summary>
    private static byte[] Redacted(string relative, byte[] content)
    {
        if (!relative.EndsWith("/cmdline", StringComparison.Ordinal))
        {
            return content;
        }
        ImmutableArray<string> args = CmdlineFile.Parse(Encoding.UTF8.GetString(content));
        ImmutableArray<string> redacted = Redactor.RedactCmdline(args);
        return args.SequenceEqual(redacted) ? content : Encoding.UTF8.GetBytes(string.Join('\0', redacted) + "\0");
    }

    private sealed class BufferingRecorder : IProcfsRecorder
    {
        public ConcurrentDictionary<string, byte[]> Files { get; } = new();

        public ConcurrentDictionary<string, string> Links { get; } = new();

        public void RecordFile(string relative, byte[] content) => Files[relative] = content;

        public void RecordLink(string relative, string target) => Links[relative] = target;
    }

    private sealed class RecordingProbe : IPipeProbe
    {
        private readonly IPipeProbe _inner;

        public RecordingProbe(IPipeProbe inner)
        {
            _inner = inner;
        }

        public Dictionary<string, PipeLevel> Levels { get; } = new();

        public PipeLevel Probe(int pid, int fd, ulong inode)
        {
            PipeLevel level = _inner.Probe(pid, fd, inode);
            Levels[FixtureManifest.Key(pid, fd)] = level;
            return level;
        }
    }
}
