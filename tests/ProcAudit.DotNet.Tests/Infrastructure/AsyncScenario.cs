using System.Diagnostics;
using System.Text.Json;

namespace ProcAudit.DotNet.Tests.Infrastructure;

/// <summary>Reads an async scenario's flows until they show what the test waits for (a cold start takes seconds).</summary>
internal static class AsyncScenario
{
    private static readonly JsonSerializerOptions s_json = new JsonSerializerOptions { WriteIndented = true };

    /// <summary>Reads twice (so motion is known) until <paramref name="ready"/> holds or the start timeout passes; returns the last read.</summary>
    public static AsyncFlows ReadUntil(int pid, Func<AsyncFlows, bool> ready)
    {
        Stopwatch waited = Stopwatch.StartNew();
        AsyncFlows flows;
        do
        {
            flows = AsyncFlowCapture.CaptureTwice(pid, Scenarios.Budget, AsyncFlowCapture.DefaultGap);
            if (flows.Status == CaptureStatus.Captured && ready(flows))
            {
                break;
            }

            Thread.Sleep(200);
        }
        while (waited.Elapsed < Scenarios.StartTimeout);

        return flows;
    }

    /// <summary>The records as JSON, for failure messages (and kept under /tmp for a human to read).</summary>
    public static string Describe(AsyncFlows flows, string verb)
    {
        string json = JsonSerializer.Serialize(flows, s_json);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), $"procaudit-asyncflows-{verb}.json"), json);
        return json;
    }
}
