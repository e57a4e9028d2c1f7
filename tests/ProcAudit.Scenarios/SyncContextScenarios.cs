using System.Collections.Concurrent;

namespace ProcAudit.Scenarios;

/// <summary>
/// A single-threaded SynchronizationContext, as a UI framework (or classic ASP.NET) installs one: posted callbacks
/// run one at a time on the one thread that pumps it. Blocking that thread on async work whose continuation was
/// posted back to it is the classic deadlock; doing the same with ConfigureAwait(false) is the classic fix.
/// </summary>
internal static class SyncContextScenarios
{
    /// <summary>The "UI" thread handles a click by blocking in .Result on an async load whose await resumes on the UI context.</summary>
    public static void Deadlock()
    {
        StartUiThread(static () => OnClick());
    }

    /// <summary>Healthy: the same click, but the load's awaits do not capture the context, so .Result returns and the UI thread pumps on.</summary>
    public static void ConfiguredAwait()
    {
        StartUiThread(static () => OnClickConfigured());
    }

    private static void StartUiThread(Action click)
    {
        Thread ui = new Thread(() =>
        {
            SingleThreadContext context = new SingleThreadContext();
            SynchronizationContext.SetSynchronizationContext(context);
            // A click every 100 ms, handled on this thread as a UI framework would.
            Timer clicks = new Timer(_ => context.Post(_ => click(), null), null, 0, 100);
            context.Run();
            GC.KeepAlive(clicks);
        })
        {
            Name = "ui",
            IsBackground = true,
        };
        ui.Start();
    }

    private static void OnClick()
    {
        int rows = LoadRowsAsync().Result;
        GC.KeepAlive(rows);
    }

    private static async Task<int> LoadRowsAsync()
    {
        await Task.Delay(20);
        return 42;
    }

    private static void OnClickConfigured()
    {
        int rows = LoadRowsConfiguredAsync().Result;
        GC.KeepAlive(rows);
    }

    private static async Task<int> LoadRowsConfiguredAsync()
    {
        await Task.Delay(20).ConfigureAwait(false);
        return 42;
    }

    /// <summary>Runs posted callbacks one after the other on the thread that calls <see cref="Run"/>.</summary>
    private sealed class SingleThreadContext : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new BlockingCollection<(SendOrPostCallback, object?)>();

        public override void Post(SendOrPostCallback d, object? state)
        {
            _queue.Add((d, state));
        }

        public override void Send(SendOrPostCallback d, object? state)
        {
            throw new NotSupportedException("Send is not used here");
        }

        public void Run()
        {
            foreach ((SendOrPostCallback callback, object? state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        }
    }
}
