using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ProcAudit.Scenarios;

/// <summary>
/// The broadcaster hang: "broadcaster" holds <c>lock (members)</c> while it adds to a bounded queue
/// (capacity 10); the queue's only consumer, "writer", is blocked sending to a TCP peer (a child
/// process, verb <c>sink</c>) that accepts nothing it is sent; "joiner" then waits for the lock.
/// One chain from a managed lock, through a full queue, to a socket whose peer never reads.
/// </summary>
internal static class QueueChain
{
    public static void Run()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using Process child = Program.StartSelf("sink", redirectStdout: false, redirectStderr: false, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using Socket connection = listener.AcceptSocket();

        BlockingCollection<byte[]> queue = new(boundedCapacity: 10);
        List<string> members = new();
        Thread writer = new(() =>
        {
            foreach (byte[] message in queue.GetConsumingEnumerable())
            {
                connection.Send(message);
            }
        }) { Name = "writer" };
        writer.Start();

        Thread broadcaster = new(() =>
        {
            lock (members)
            {
                for (int i = 0; ; i++)
                {
                    queue.Add(new byte[1 << 20]);
                }
            }
        }) { Name = "broadcaster" };
        broadcaster.Start();
        Thread.Sleep(1000);

        Thread joiner = new(() =>
        {
            lock (members)
            {
                members.Add("late");
            }
        }) { Name = "joiner" };
        joiner.Start();
        joiner.Join();
    }

    /// <summary>The peer: connects and never reads.</summary>
    public static void Sink(int port)
    {
        using TcpClient client = new();
        client.Connect(IPAddress.Loopback, port);
        Thread.Sleep(Timeout.Infinite);
    }
}
