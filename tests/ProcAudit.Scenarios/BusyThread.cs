using System.Runtime.CompilerServices;

namespace ProcAudit.Scenarios;

/// <summary>A thread that never blocks: it computes in managed code forever, so only a sample of its stack says where.</summary>
internal static class BusyThread
{
    private static long s_sink;

    public static void Spin()
    {
        Thread spinner = new(SpinForever) { Name = "spinner", IsBackground = true };
        spinner.Start();
        Thread.Sleep(Timeout.Infinite);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SpinForever()
    {
        long x = 1;
        while (true)
        {
            x = Step(x);
            s_sink = x;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Step(long x) => (x * 31) + 7;
}
