using ProcAudit.Python.Tests.Infrastructure;

namespace ProcAudit.Python.Tests;

/// <summary>
/// The reader against real interpreters of every supported release: each thread's frames (function, qualified name,
/// file, line) and kernel TID equal what the interpreter itself reports (sys._current_frames() and
/// threading.get_native_id()), frame for frame; the GIL holder is the thread that holds it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PythonReaderTests
{
    [Theory(Timeout = 180_000)]
    [MemberData(nameof(Interpreters.Supported), MemberType = typeof(Interpreters))]
    public async Task FramesAndThreadIdsEqualTheInterpretersOwnView(string version)
    {
        await Task.Yield();
        (PythonProcess target, InterpreterView view) = PythonProcess.StartWaits(Interpreters.Executable(version), "waits");
        using (target)
        {
            PythonInterpreter? detected = PythonReader.Detect(target.Pid);
            Assert.NotNull(detected);
            Assert.True(detected.Supported, detected.Note);
            Assert.StartsWith(Interpreters.Minor(version), detected.Version, StringComparison.Ordinal);

            PythonProcessView read = PythonReader.Read(target.Pid, Views.Budget);
            Assert.Empty(read.Notes);
            Assert.Equal(view.Version, read.Version);
            Assert.Equal(view.Threads.Count, read.Threads.Length);
            Views.AssertSame(view, read);

            // Every thread is blocked in the kernel, so none holds the GIL (and the last holder is not named).
            Assert.All(read.Threads, t => Assert.False(t.HoldsGil));

            // The fixture reaches what it is meant to: the blocking lines, names in latin-1, UCS-2 and UCS-4.
            PythonFrame[] frames = read.Threads.SelectMany(t => t.Frames).ToArray();
            Assert.Contains(frames, f => f.Function == "recv_gen" && f.Line == Markers.Line("recv"));
            Assert.Contains(frames, f => f.Function == "ждать_замок" && f.Line == Markers.Line("lockwait"));
            Assert.Contains(frames, f => f.Function == "lock_coro_wäit");
            Assert.Contains(frames, f => f.Function == "等待_𠀋" && f.Line == Markers.Line("event"));
            Assert.Contains(frames, f => f.Function == "main" && f.Line == Markers.Line("main"));
        }
    }

    [Theory(Timeout = 180_000)]
    [MemberData(nameof(Interpreters.Supported), MemberType = typeof(Interpreters))]
    public async Task TheGilHolderIsTheThreadThatKeepsItInACall(string version)
    {
        await Task.Yield();
        (PythonProcess target, InterpreterView view) = PythonProcess.StartWaits(Interpreters.Executable(version), "gil");
        using (target)
        {
            Assert.NotNull(view.GilNativeId);

            // The holder takes the GIL just after the view and keeps it in libc's sleep (through ctypes.PyDLL): once
            // the kernel has it in that sleep, no other thread can run Python until the process is killed.
            target.WaitForSyscall(view.GilNativeId.Value, PythonProcess.SleepSyscall);
            PythonProcessView read = PythonReader.Read(target.Pid, Views.Budget);
            Assert.Empty(read.Notes);
            PythonThread holder = Assert.Single(read.Threads, t => t.HoldsGil == true);
            Assert.Equal(view.GilNativeId, holder.NativeThreadId);
            Assert.Equal(("hold_gil", Markers.Line("gil")), (holder.Frames[0].Function, holder.Frames[0].Line));
            Assert.Equal(view.Threads.Count, read.Threads.Length);
            Assert.All(read.Threads.Where(t => t != holder), t => Assert.False(t.HoldsGil));
        }
    }

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(Interpreters.Supported), MemberType = typeof(Interpreters))]
    public async Task AThousandIdleThreadsAreAllRead(string version)
    {
        await Task.Yield();
        (PythonProcess target, InterpreterView view) = PythonProcess.StartWaits(Interpreters.Executable(version), "idle", "1000");
        using (target)
        {
            PythonProcessView read = PythonReader.Read(target.Pid, Views.Budget);
            Assert.Empty(read.Notes);
            Assert.Equal(1001, view.Threads.Count);
            Assert.Equal(1001, read.Threads.Length);
            Views.AssertSame(view, read);
        }
    }

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(Interpreters.Supported), MemberType = typeof(Interpreters))]
    public async Task AThreadRecursingWithoutEndNeitherBreaksNorBlursTheBlockedOnes(string version)
    {
        await Task.Yield();
        (PythonProcess target, InterpreterView view) = PythonProcess.StartWaits(Interpreters.Executable(version), "churn");
        using (target)
        {
            int churn = view.ChurnNativeId ?? throw new InvalidOperationException("the view names no churn thread");
            int withChurnFrames = 0;
            for (int i = 0; i < 100; i++)
            {
                PythonProcessView read = PythonReader.Read(target.Pid, Views.Budget);

                // Only a thread that holds the GIL changes its frames: the blocked ones come out exact every time.
                Views.AssertSame(view, read, t => t.NativeId != churn);
                PythonThread running = Assert.Single(read.Threads, t => t.NativeThreadId == churn);
                Assert.True(running.Frames.Length <= 4096);
                withChurnFrames += running.Frames.Any(f => f.Function == "churn") ? 1 : 0;
            }

            // Torn walks end in notes or partial stacks; most walks still see the recursion.
            Assert.True(withChurnFrames > 10, $"only {withChurnFrames} of 100 reads saw the churn thread's frames");
        }
    }
}
