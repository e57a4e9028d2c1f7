namespace ProcAudit.Python.Tests.Infrastructure;

/// <summary>Compares what the reader read with what the interpreter said of itself.</summary>
internal static class Views
{
    /// <summary>A read with a generous budget: speed is the benchmark's business, not the tests'.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Every thread of <paramref name="view"/> (those <paramref name="include"/> keeps) is in <paramref name="read"/>
    /// under the same kernel TID and pthread_t, with the same frames: function, file, line, and from 3.11 the
    /// qualified name.
    /// </summary>
    public static void AssertSame(InterpreterView view, PythonProcessView read, Func<ViewThread, bool>? include = null)
    {
        bool qualified = !view.Version.StartsWith("3.8.", StringComparison.Ordinal) && !view.Version.StartsWith("3.9.", StringComparison.Ordinal)
            && !view.Version.StartsWith("3.10.", StringComparison.Ordinal);
        foreach (ViewThread expected in view.Threads.Where(include ?? (_ => true)))
        {
            PythonThread? thread = read.Threads.SingleOrDefault(t => t.NativeThreadId == expected.NativeId);
            Assert.True(thread is not null, $"thread {expected.Name} (TID {expected.NativeId}) not read; read TIDs: {string.Join(", ", read.Threads.Select(t => t.NativeThreadId))}; notes: {string.Join("; ", read.Notes)}");
            Assert.Equal(expected.Ident, thread.PthreadId);
            Assert.Null(thread.Note);
            string want = Describe(expected.Frames.Select(f => new PythonFrame(f.Function, qualified ? f.QualifiedName : null, f.File, f.Line)));
            string got = Describe(thread.Frames);
            Assert.True(want == got, $"thread {expected.Name} (TID {expected.NativeId}):\nthe interpreter says\n{want}\nthe reader read\n{got}");
        }
    }

    private static string Describe(IEnumerable<PythonFrame> frames) =>
        string.Join("\n", frames.Select(f => $"  {f.Function} [{f.QualifiedName}] {f.File}:{f.Line}"));
}
