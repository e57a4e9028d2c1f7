using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace ProcAudit.Scenarios;

/// <summary>
/// Async hangs and healthy async programs, for the async-flow reader: no thread is blocked on a lock, the flows
/// are suspended in the heap. Each verb starts its flows and returns (Main then sleeps) unless it blocks on
/// purpose (ABBA and sync-over-async block the main thread in GetResult/.Result).
/// </summary>
internal static class AsyncFlows
{
    // Rooted so nothing the flows wait on is collected, and a test can rely on the objects staying put.
    private static readonly List<object> s_keep = new List<object>();

    /// <summary>Two flows take two semaphores in opposite order; the main thread waits for both (issue 17's program).</summary>
    public static void Abba()
    {
        SemaphoreSlim a = new SemaphoreSlim(1);
        SemaphoreSlim b = new SemaphoreSlim(1);
        s_keep.Add(a);
        s_keep.Add(b);
        BothFlows(a, b).GetAwaiter().GetResult();
    }

    private static async Task BothFlows(SemaphoreSlim a, SemaphoreSlim b)
    {
        await Task.WhenAll(Flow(a, b), Flow(b, a));
    }

    private static async Task Flow(SemaphoreSlim first, SemaphoreSlim second)
    {
        await first.WaitAsync();
        await Task.Delay(200);
        await second.WaitAsync();
        second.Release();
        first.Release();
    }

    /// <summary>How many flows <see cref="Many"/> starts; two pending tasks each.</summary>
    public const int ManyFlows = 50_000;

    /// <summary>
    /// 100,000 pending tasks: 50,000 flows of two frames each awaiting one TaskCompletionSource nothing completes
    /// (a request handler fanned out over a gate that never opens).
    /// </summary>
    public static void Many()
    {
        TaskCompletionSource gate = new TaskCompletionSource();
        s_keep.Add(gate);
        for (int i = 0; i < ManyFlows; i++)
        {
            s_keep.Add(Handle(gate.Task));
        }
    }

    private static async Task Handle(Task gate)
    {
        await WaitForGate(gate);
    }

    private static async Task WaitForGate(Task gate)
    {
        await gate;
    }

    /// <summary>An await on a TaskCompletionSource that nothing will ever complete.</summary>
    public static void Promise()
    {
        TaskCompletionSource<int> reply = new TaskCompletionSource<int>();
        s_keep.Add(reply);
        s_keep.Add(Request(reply));
    }

    private static async Task<int> Request(TaskCompletionSource<int> reply)
    {
        return await AwaitReply(reply) + 1;
    }

    private static async Task<int> AwaitReply(TaskCompletionSource<int> reply)
    {
        return await reply.Task;
    }

    /// <summary>The main thread blocks in .Result on a flow that waits for a promise nothing completes.</summary>
    public static void SyncOverAsync()
    {
        TaskCompletionSource<int> reply = new TaskCompletionSource<int>();
        s_keep.Add(reply);
        _ = Request(reply).Result;
    }

    /// <summary>
    /// A bounded channel of 4 is full and its producer is blocked writing a fifth item; its only consumer took one
    /// item and awaits a send to a TCP peer that never reads.
    /// </summary>
    public static void FullChannel()
    {
        TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Socket client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect((IPEndPoint)listener.LocalEndpoint);
        Socket peer = listener.AcceptSocket();
        s_keep.Add(listener);
        s_keep.Add(peer);
        Channel<byte[]> channel = Channel.CreateBounded<byte[]>(4);
        s_keep.Add(channel);
        s_keep.Add(Consume(channel.Reader, new NetworkStream(client, ownsSocket: true)));
        s_keep.Add(Produce(channel.Writer));
    }

    /// <summary>
    /// The same pipeline, but the consumer sends to another process (verb <c>sink</c>, a child that connects and never
    /// reads): one chain from the producer, through the full channel and its consumer, to a socket whose peer is a
    /// process that does not read.
    /// </summary>
    public static void FullChannelToPeer()
    {
        TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        s_keep.Add(Program.StartSelf("sink", redirectStdout: false, redirectStderr: false, port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Socket connection = listener.AcceptSocket();
        s_keep.Add(listener);
        Channel<byte[]> channel = Channel.CreateBounded<byte[]>(4);
        s_keep.Add(channel);
        s_keep.Add(Consume(channel.Reader, new NetworkStream(connection, ownsSocket: true)));
        s_keep.Add(Produce(channel.Writer));
    }

    private static async Task Produce(ChannelWriter<byte[]> writer)
    {
        for (int i = 0; ; i++)
        {
            await writer.WriteAsync(new byte[1024]);
        }
    }

    private static async Task Consume(ChannelReader<byte[]> reader, NetworkStream peer)
    {
        byte[] item = await reader.ReadAsync();
        byte[] payload = new byte[64 * 1024 * 1024];
        await peer.WriteAsync(payload);
        GC.KeepAlive(item);
    }

    /// <summary>Healthy: a server awaiting its first connection.</summary>
    public static void IdleServer()
    {
        TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        s_keep.Add(listener);
        s_keep.Add(Serve(listener));
    }

    private static async Task Serve(TcpListener listener)
    {
        while (true)
        {
            Socket connection = await listener.Server.AcceptAsync();
            connection.Dispose();
        }
    }

    /// <summary>Healthy: a loop that wakes on a timer.</summary>
    public static void TimerLoop()
    {
        s_keep.Add(Tick());
    }

    private static async Task Tick()
    {
        long ticks = 0;
        while (true)
        {
            await Task.Delay(50);
            ticks++;
        }
    }

    /// <summary>Healthy: a producer and a consumer moving items through a small bounded channel all the time.</summary>
    public static void BusyPipeline()
    {
        Channel<int> channel = Channel.CreateBounded<int>(2);
        s_keep.Add(channel);
        s_keep.Add(Feed(channel.Writer));
        s_keep.Add(Drain(channel.Reader));
    }

    private static async Task Feed(ChannelWriter<int> writer)
    {
        for (int i = 0; ; i++)
        {
            await writer.WriteAsync(i);
        }
    }

    private static async Task Drain(ChannelReader<int> reader)
    {
        while (true)
        {
            await reader.ReadAsync();
            await Task.Delay(5);
        }
    }
}
