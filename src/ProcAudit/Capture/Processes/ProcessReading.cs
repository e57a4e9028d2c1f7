using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture.Processes;

/// <summary>The fds, threads and command line of one process, and the stat that names them.</summary>
internal sealed record ProcessReading(StatRecord Stat, List<FdInfo> Fds, ImmutableArray<ThreadInfo> Threads, ProcText Cmdline);
