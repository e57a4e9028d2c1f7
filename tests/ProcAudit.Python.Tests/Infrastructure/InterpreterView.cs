using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProcAudit.Python.Tests.Infrastructure;

/// <summary>
/// What a test program wrote about itself (tests/fixtures/programs/python-thread-waits.py): sys._current_frames()
/// and threading.get_native_id() for every thread, once every thread was blocked. The ground truth of the tests.
/// </summary>
internal sealed record InterpreterView(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("threads")] List<ViewThread> Threads,
    [property: JsonPropertyName("gil_native_id")] int? GilNativeId,
    [property: JsonPropertyName("churn_native_id")] int? ChurnNativeId,
    [property: JsonPropertyName("locks")] Dictionary<string, ulong>? Locks)
{
    /// <summary>Parses the program's JSON.</summary>
    public static InterpreterView Parse(string json) =>
        JsonSerializer.Deserialize<InterpreterView>(json) ?? throw new InvalidOperationException("empty view");

    /// <summary>The thread named <paramref name="name"/>.</summary>
    public ViewThread Thread(string name) => Threads.Single(t => t.Name == name);

    /// <summary>The id() of the lock the program named <paramref name="name"/>.</summary>
    public ulong Lock(string name) => Locks?[name] ?? throw new InvalidOperationException($"the view names no lock {name}");
}

/// <summary>One thread as the interpreter sees it.</summary>
internal sealed record ViewThread(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("ident")] ulong Ident,
    [property: JsonPropertyName("native_id")] int NativeId,
    [property: JsonPropertyName("frames")] List<ViewFrame> Frames);

/// <summary>One frame as the interpreter sees it (qualname is null before 3.11).</summary>
internal sealed record ViewFrame(
    [property: JsonPropertyName("function")] string Function,
    [property: JsonPropertyName("qualname")] string? QualifiedName,
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("line")] int? Line);
