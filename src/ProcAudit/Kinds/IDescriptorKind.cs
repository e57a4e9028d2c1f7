using ProcAudit.Analysis;

namespace ProcAudit.Kinds;

/// <summary>
/// What a descriptor of one kind means to the analysis: the wait-for edges a thread blocked on it
/// gives, and where its wait leads when no edge does. Every <see cref="FdKind"/> has exactly one
/// (<see cref="KindRegistry.ForFd"/>); a kind the report lists is also an <see cref="ObjectKindModule"/>.
/// </summary>
internal interface IDescriptorKind
{
    /// <summary>The descriptor kinds this module explains.</summary>
    IReadOnlyList<FdKind> FdKinds { get; }

    /// <summary>True when the text report lists such descriptors on a process's <c>fds:</c> line.</summary>
    bool ListedWithProcess => false;

    /// <summary>The edges of a thread seen blocked in <paramref name="call"/> on a descriptor of this kind (most kinds lead nowhere another process could be named).</summary>
    IEnumerable<WaitEdge> Observed(KindScope scope, ProcessInfo process, ThreadInfo thread, SyscallInfo call) => Array.Empty<WaitEdge>();

    /// <summary>Where a thread's wait in <paramref name="call"/> on <paramref name="fd"/> leads when no edge left it.</summary>
    OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan);

    /// <summary>What could wake a thread that watches <paramref name="fd"/> in a poll set.</summary>
    OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd);
}
