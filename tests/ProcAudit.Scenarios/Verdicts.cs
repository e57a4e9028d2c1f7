using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ProcAudit.Scenarios;

/// <summary>Programs whose verdict comes from where their waits end, not from a named pattern.</summary>
internal static class Verdicts
{
    /// <summary>
    /// dotnet/runtime 29232, 51277: the output is read asynchronously, then WaitForExit() waits for
    /// it to end, but the command left a background grandchild holding stdout, so it never ends.
    /// No thread sits in read(): the pipe's read end is in the runtime's epoll set.
    /// </summary>
    public static void WaitForExitWithBackgroundGrandchild()
    {
        ProcessStartInfo start = new("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("sleep 600 & echo started");
        using Process child = Process.Start(start) ?? throw new InvalidOperationException("could not start sh");
        child.OutputDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        child.WaitForExit();
    }

    /// <summary>A server awaiting its first connection: idle, waiting for the world.</summary>
    public static void IdleServer()
    {
        TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        listener.AcceptTcpClientAsync().GetAwaiter().GetResult();
    }

    /// <summary>A loop that wakes on a timer now and then: never a hang.</summary>
    public static void TimerLoop()
    {
        while (true)
        {
            Task.Delay(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
        }
    }
}
