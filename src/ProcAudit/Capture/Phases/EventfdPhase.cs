using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// Every eventfd counter the captured processes hold, joined across processes by the id the kernel
/// gives it (fdinfo's eventfd-id): the holders outside these processes are not searched for.
/// </summary>
internal static class EventfdPhase
{
    public static ImmutableArray<EventfdInfo> Run(CaptureContext context) =>
        context.Eventfds
            .OrderBy(kv => kv.Key.Pid).ThenBy(kv => kv.Key.Fd)
            .GroupBy(kv => kv.Value.Id)
            .OrderBy(g => g.Key)
            .Select(g => new EventfdInfo
            {
                Id = $"eventfd:[{g.Key.ToString(CultureInfo.InvariantCulture)}]",
                Count = g.First().Value.Count,
                Semaphore = g.First().Value.Semaphore,
                Holders = g.Select(kv => new Holder(kv.Key.Pid, kv.Key.Fd, "owner")).ToImmutableArray(),
            })
            .ToImmutableArray();
}
