namespace ProcAudit.DotNet.Tests;

/// <summary>Frame names from both sources, exactly as they were recorded from the scenarios here, come out alike.</summary>
public sealed class FrameNamesTests
{
    [Theory]
    [InlineData(
        "System.Private.CoreLib!System.Threading.Monitor.Enter(class System.Object,bool&)",
        "System.Threading.Monitor.Enter(Object, Boolean ByRef)")]
    [InlineData(
        "System.Threading.Monitor.Enter(System.Object, Boolean ByRef)",
        "System.Threading.Monitor.Enter(Object, Boolean ByRef)")]
    [InlineData(
        "System.Diagnostics.Process!System.Diagnostics.Process.WaitForExit()",
        "System.Diagnostics.Process.WaitForExit()")]
    [InlineData(
        "ProcAudit.Scenarios!ProcAudit.Scenarios.Program.Main(class System.String[])",
        "ProcAudit.Scenarios.Program.Main(String[])")]
    [InlineData(
        "ProcAudit.Scenarios.Program.Main(System.String[])",
        "ProcAudit.Scenarios.Program.Main(String[])")]
    [InlineData(
        "System.Private.CoreLib!System.Threading.WaitHandle.WaitOneNoCheck(int32,bool,class System.Object,value class WaitHandleWaitSourceMap)",
        "System.Threading.WaitHandle.WaitOneNoCheck(Int32, Boolean, Object, WaitHandleWaitSourceMap)")]
    [InlineData(
        "System.Private.CoreLib!System.Threading.SemaphoreSlim.WaitCore(int64,value class System.Threading.CancellationToken)",
        "System.Threading.SemaphoreSlim.WaitCore(Int64, CancellationToken)")]
    [InlineData(
        "System.Collections.Concurrent!System.Collections.Concurrent.BlockingCollection`1[System.Int32].Add(!0)",
        "System.Collections.Concurrent.BlockingCollection`1[System.Int32].Add(!0)")]
    [InlineData(
        "System.Collections.Concurrent.BlockingCollection`1[[System.Int32, System.Private.CoreLib]].Add(Int32)",
        "System.Collections.Concurrent.BlockingCollection`1[System.Int32].Add(Int32)")]
    [InlineData(
        "ProcAudit.Scenarios!ProcAudit.Scenarios.MonitorHeld.HoldWhileAdding(class System.Collections.Generic.List`1<class System.String>,class System.Collections.Concurrent.BlockingCollection`1<int32>,class System.Threading.ManualResetEventSlim)",
        "ProcAudit.Scenarios.MonitorHeld.HoldWhileAdding(List`1<String>, BlockingCollection`1<Int32>, ManualResetEventSlim)")]
    [InlineData(
        "ProcAudit.Scenarios.MonitorHeld.HoldWhileAdding(System.Collections.Generic.List`1<System.String>, System.Collections.Concurrent.BlockingCollection`1<Int32>, System.Threading.ManualResetEventSlim)",
        "ProcAudit.Scenarios.MonitorHeld.HoldWhileAdding(List`1<String>, BlockingCollection`1<Int32>, ManualResetEventSlim)")]
    [InlineData(
        "ProcAudit.Scenarios!ProcAudit.Scenarios.MonitorHeld+<>c__DisplayClass2_0.<Run>b__0()",
        "ProcAudit.Scenarios.MonitorHeld+<>c__DisplayClass2_0.<Run>b__0()")]
    [InlineData(
        "System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.Collections.Generic.List`1[[System.Int32, System.Private.CoreLib]], System.Private.CoreLib]].TryGetValue(System.String, System.Collections.Generic.List`1<Int32> ByRef)",
        "System.Collections.Generic.Dictionary`2[System.String,System.Collections.Generic.List`1[System.Int32]].TryGetValue(String, List`1<Int32> ByRef)")]
    [InlineData("Lib!Ns.Type.Method(unsigned int8*,native int,wchar)", "Ns.Type.Method(Byte*, IntPtr, Char)")]
    [InlineData("no parameter list at all", "no parameter list at all")]
    public void Normalize(string raw, string expected)
    {
        Assert.Equal(expected, FrameNames.Normalize(raw));
    }

    [Theory]
    [InlineData("Thread (4008)", 4008)]
    [InlineData("Thread (4008) (.NET TP Worker)", 4008)]
    [InlineData("Threads", null)]
    [InlineData("Thread ()", null)]
    [InlineData("UNMANAGED_CODE_TIME", null)]
    public void ParseThreadFrame(string frame, int? expected)
    {
        Assert.Equal(expected, EventPipeStackCapture.ParseThreadFrame(frame));
    }

    [Theory]
    [InlineData("7f53d5800000-7f53d5a00000 r-xp 00000000 08:01 1234 /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so", "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so")]
    [InlineData("7f53d5800000-7f53d5a00000 r-xp 00000000 08:01 1234   /opt/my app/libcoreclr.so (deleted)", "/opt/my app/libcoreclr.so")]
    [InlineData("7ffde9d62000-7ffde9d83000 rw-p 00000000 00:00 0                          [stack]", null)]
    [InlineData("7f53d5800000-7f53d5a00000 rw-p 00000000 00:00 0 ", null)]
    [InlineData("garbage", null)]
    public void MappedPath(string line, string? expected)
    {
        Assert.Equal(expected, TargetProbe.MappedPath(line));
    }

    [Theory]
    [InlineData(1000, 100)]
    [InlineData(300, 30)]
    [InlineData(50, 10)]
    [InlineData(60_000, 100)]
    public void SamplingWindow_IsATenthBetween10And100Ms(int budgetMs, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), DotNetInspector.SamplingWindow(TimeSpan.FromMilliseconds(budgetMs)));
    }
}
