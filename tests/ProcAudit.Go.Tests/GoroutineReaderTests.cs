using System.Diagnostics;
using ProcAudit.Go.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.Go.Tests;

/// <summary>Reads a real, running Go program's goroutines and checks them against its source and the runtime's own traceback.</summary>
public sealed class GoroutineReaderTests
{
    private const string Program = "go-goroutine-waits.go";
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(15);

    private readonly ITestOutputHelper _output;

    public GoroutineReaderTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>Every toolchain the tests build with, as theory data.</summary>
    public static TheoryData<string> Toolchains => new(GoPrograms.Toolchains);

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(Toolchains))]
    public async Task ReadsEachGoroutinesWaitStackAndChannelAsTheRuntimeReportsThem(string toolchain)
    {
        string executable = GoPrograms.Build(Program, toolchain);
        string source = GoPrograms.Source(Program);
        using GoProcess target = GoProcess.Start(executable);
        await Task.Delay(s_settle);
        GoroutineSnapshot snapshot = await ReadWhenSettled(target.Pid);
        _output.WriteLine(Describe(snapshot));

        Assert.Contains(snapshot.GoVersion + " ", GoPrograms.Version(toolchain) + " ", StringComparison.Ordinal);
        Assert.Empty(snapshot.Notes);

        Goroutine main = Assert.Single(snapshot.Goroutines, g => g.Id == 1);
        AssertWaitingIn(main, "select (no cases)", "main.main", source, SourceMarkers.Line(source, "select"));

        Goroutine sender = Single(snapshot, "main.sender");
        AssertWaitingIn(sender, "chan send", "main.sender", source, SourceMarkers.Line(source, "chan-send"));
        Assert.NotNull(sender.Channel);
        Assert.Equal(10, sender.Channel.QueuedCount);
        Assert.Equal(10, sender.Channel.Capacity);
        Assert.False(sender.Channel.Closed);
        Assert.Equal("int", sender.Channel.ElementType);
        Assert.Equal(sender.Channel.Address, sender.WaitsOnChannel);

        Goroutine locker = Single(snapshot, "main.locker");
        Assert.Contains(locker.WaitReason, new[] { "semacquire", "sync.Mutex.Lock" });
        AssertWaitingIn(locker, locker.WaitReason!, "main.locker", source, SourceMarkers.Line(source, "mutex-lock"));
        GoFrame inlinedLock = Assert.Single(locker.Frames, f => f.Function == "sync.(*Mutex).Lock");
        Assert.True(inlinedLock.Inlined, "sync.(*Mutex).Lock is inlined into main.locker by the compiler");
        Assert.Null(locker.Channel);

        Goroutine holder = Single(snapshot, "main.holder");
        AssertWaitingIn(holder, "sleep", "main.holder", source, SourceMarkers.Line(source, "sleep"));

        // Ids are handed out in per-P batches, so their order is not fixed: the runtime's traceback checks them.
        Assert.Equal(4, new[] { main.Id, sender.Id, locker.Id, holder.Id }.Distinct().Count());

        // The runtime's own traceback (taken only here, after the read) must agree frame by frame.
        string traceback = target.QuitAndReadTraceback();
        Dictionary<long, (string State, List<(string Function, string File, int Line)> Frames)> truth = RuntimeTraceback.Parse(traceback);
        int compared = 0;
        foreach (Goroutine goroutine in new[] { main, sender, locker, holder })
        {
            Assert.True(truth.ContainsKey(goroutine.Id), $"goroutine {goroutine.Id} is not in the runtime's traceback:\n{traceback}");
            (string state, List<(string Function, string File, int Line)> frames) = truth[goroutine.Id];
            Assert.Equal(state, goroutine.WaitReason);
            Assert.Equal(frames, goroutine.Frames.Select(f => (f.Function, f.File, f.Line)).ToList());
            compared++;
        }

        // Runtime goroutines that were parked throughout (same wait reason then and now) must match as well.
        HashSet<long> checkedIds = new HashSet<long> { main.Id, sender.Id, locker.Id, holder.Id };
        foreach (Goroutine goroutine in snapshot.Goroutines)
        {
            if (!checkedIds.Contains(goroutine.Id) && goroutine.Status == "waiting" && truth.TryGetValue(goroutine.Id, out (string State, List<(string Function, string File, int Line)> Frames) other)
                && other.State == goroutine.WaitReason && compared < 64)
            {
                Assert.Equal(other.Frames, goroutine.Frames.Select(f => (f.Function, f.File, f.Line)).ToList());
                compared++;
            }
        }

        _output.WriteLine($"{compared} goroutines matched the runtime's traceback frame by frame");
        Assert.True(compared >= 6, $"only {compared} goroutines compared");
    }

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(Toolchains))]
    public async Task StrippedBinaryGivesTheSameGoroutinesAsTheUnstrippedOne(string toolchain)
    {
        string plain = GoPrograms.Build(Program, toolchain);
        string stripped = GoPrograms.BuildStripped(Program, toolchain);
        GoBinary? strippedBinary = GoBinary.TryLoad(File.ReadAllBytes(stripped), new List<string>(), out string? error);
        Assert.True(strippedBinary is not null, error);
        Assert.Null(strippedBinary.Allgs);
        Assert.Null(strippedBinary.Elf.Section(".symtab"));

        using GoProcess plainTarget = GoProcess.Start(plain);
        using GoProcess strippedTarget = GoProcess.Start(stripped);
        await Task.Delay(s_settle);
        GoroutineSnapshot expected = await ReadWhenSettled(plainTarget.Pid);
        GoroutineSnapshot actual = await ReadWhenSettled(strippedTarget.Pid);
        _output.WriteLine(Describe(actual));

        Assert.Empty(actual.Notes);
        Assert.Equal(Shape(expected), Shape(actual));
        Goroutine sender = Single(actual, "main.sender");
        Assert.Equal((10L, 10L), (sender.Channel!.QueuedCount, sender.Channel.Capacity));
    }

    [Fact(Timeout = 120_000)]
    public async Task ReadingNeverStopsTheTargetsThreads()
    {
        string executable = GoPrograms.Build(Program);
        using GoProcess target = GoProcess.Start(executable);
        await Task.Delay(s_settle);
        await ReadWhenSettled(target.Pid);

        using CancellationTokenSource stop = new CancellationTokenSource();
        List<char> seen = new List<char>();
        int samples = 0;
        Task sampler = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                seen.AddRange(ThreadStates.Sample(target.Pid));
                samples++;
            }
        });

        Stopwatch clock = Stopwatch.StartNew();
        int reads = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2) || reads < 20)
        {
            GoroutineSnapshot snapshot = GoroutineReader.Read(target.Pid, s_budget);
            Assert.Empty(snapshot.Notes);
            Assert.True(snapshot.Goroutines.Length >= 4);
            reads++;
        }

        stop.Cancel();
        await sampler.WaitAsync(TimeSpan.FromSeconds(10));
        _output.WriteLine($"{reads} reads, {samples} samples, states: {string.Join(' ', seen.GroupBy(c => c).Select(g => $"{g.Key}={g.Count()}"))}");
        Assert.True(samples > 10, $"only {samples} samples");
        Assert.DoesNotContain('t', seen);
        Assert.DoesNotContain('T', seen);
        Assert.Equal("0", TracerPid(target.Pid));
    }

    [Fact(Timeout = 60_000)]
    public async Task NonGoProcessGivesANote()
    {
        using GoProcess sleep = GoProcess.Start("/bin/sleep", "600");
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        GoroutineSnapshot snapshot = GoroutineReader.Read(sleep.Pid, s_budget);

        Assert.Equal("sleep", File.ReadAllText($"/proc/{sleep.Pid}/comm").Trim());
        Assert.Null(snapshot.GoVersion);
        Assert.Empty(snapshot.Goroutines);
        Assert.Contains(snapshot.Notes, n => n.Contains("not a Go binary", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task GoneProcessGivesANote()
    {
        await Task.Yield();
        GoroutineSnapshot snapshot = GoroutineReader.Read(int.MaxValue, s_budget);
        Assert.Empty(snapshot.Goroutines);
        Assert.Contains(snapshot.Notes, n => n.Contains("gone", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task ZeroBudgetStopsWithANote()
    {
        string executable = GoPrograms.Build(Program);
        using GoProcess target = GoProcess.Start(executable);
        await Task.Delay(s_settle);
        GoroutineSnapshot snapshot = GoroutineReader.Read(target.Pid, TimeSpan.Zero);
        Assert.Empty(snapshot.Goroutines);
        Assert.Contains(snapshot.Notes, n => n.Contains("time budget", StringComparison.Ordinal));
    }

    private static void AssertWaitingIn(Goroutine goroutine, string waitReason, string function, string source, int line)
    {
        Assert.Equal("waiting", goroutine.Status);
        Assert.Equal(waitReason, goroutine.WaitReason);
        Assert.Contains(new GoFrame(function, source, line, Inlined: false), goroutine.Frames);
        Assert.Equal("runtime.gopark", goroutine.Frames[0].Function);
        Assert.Equal("runtime.goexit", goroutine.Frames[^1].Function);
    }

    /// <summary>
    /// Everything but addresses and ids, for comparing two runs of the same program: goids come from per-P batches,
    /// so they differ between runs.
    /// </summary>
    private static List<string> Shape(GoroutineSnapshot snapshot)
    {
        return snapshot.Goroutines
            .Select(g => $"{g.Status} {g.WaitReason} {g.Channel?.QueuedCount}/{g.Channel?.Capacity} {g.Channel?.ElementType} "
                + string.Join(" <- ", g.Frames.Select(f => $"{f.Function}@{f.File}:{f.Line}{(f.Inlined ? "i" : "")}")))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static Goroutine Single(GoroutineSnapshot snapshot, string function)
    {
        return Assert.Single(snapshot.Goroutines, g => g.Frames.Any(f => f.Function == function));
    }

    /// <summary>Reads until the program's four goroutines are all parked, bounded in time.</summary>
    private static async Task<GoroutineSnapshot> ReadWhenSettled(int pid)
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (true)
        {
            GoroutineSnapshot snapshot = GoroutineReader.Read(pid, s_budget);
            bool settled = new[] { "main.sender", "main.locker", "main.holder" }.All(
                f => snapshot.Goroutines.Any(g => g.Status == "waiting" && g.Frames.Any(frame => frame.Function == f)));
            if (settled || clock.Elapsed > s_readyTimeout)
            {
                return snapshot;
            }

            await Task.Delay(100);
        }
    }

    private static string TracerPid(int pid)
    {
        string line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("TracerPid:", StringComparison.Ordinal));
        return line["TracerPid:".Length..].Trim();
    }

    private static string Describe(GoroutineSnapshot snapshot)
    {
        System.Text.StringBuilder text = new System.Text.StringBuilder();
        text.Append($"pid {snapshot.Pid} {snapshot.GoVersion}: {snapshot.Goroutines.Length} goroutines (+{snapshot.DeadGoroutines} dead), ")
            .Append($"{snapshot.MemoryReads} reads, {snapshot.BytesRead} bytes, {snapshot.Elapsed.TotalMilliseconds:0.0} ms\n");
        foreach (string note in snapshot.Notes)
        {
            text.Append($"note: {note}\n");
        }

        foreach (Goroutine g in snapshot.Goroutines)
        {
            text.Append($"goroutine {g.Id} [{g.Status}{(g.WaitReason is null ? "" : ": " + g.WaitReason)}]");
            if (g.WaitingSinceNanos is long since)
            {
                text.Append($" since {since}");
            }

            if (g.Channel is GoChannel c)
            {
                text.Append($" chan 0x{c.Address:x} {c.QueuedCount}/{c.Capacity} of {c.ElementType}");
            }

            if (g.ThreadId is int tid)
            {
                text.Append($" tid {tid}");
            }

            if (g.Note is not null)
            {
                text.Append($" ({g.Note})");
            }

            text.Append('\n');
            foreach (GoFrame f in g.Frames)
            {
                text.Append($"  {f.Function}{(f.Inlined ? " (inlined)" : "")}\n    {f.File}:{f.Line}\n");
            }
        }

        return text.ToString();
    }
}
