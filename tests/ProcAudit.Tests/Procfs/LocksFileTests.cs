using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>/proc/locks as recorded from real flock, POSIX and OFD lock holders and waiters (tests/fixtures/locks/README.md).</summary>
public sealed class LocksFileTests
{
    [Fact]
    public void Holders_waiters_and_waiters_behind_waiters_are_read_with_their_depth()
    {
        string text = File.ReadAllText(Path.Combine(RecordedFixtures.RepoRoot, "tests", "fixtures", "locks", "flock-posix-ofd.txt"));

        ImmutableArray<LockLine> locks = LocksFile.Parse(text, out ImmutableArray<string> notes);

        Assert.Empty(notes);
        Assert.Equal(new[]
        {
            new LockLine(1, 0, "OFDLCK", "WRITE", null, "fe:00", 11658056, 100, 109),
            new LockLine(2, 0, "POSIX", "WRITE", 23563, "fe:00", 11658056, 0, 9),
            new LockLine(2, 1, "POSIX", "WRITE", 23566, "fe:00", 11658056, 5, 9),
            new LockLine(3, 0, "FLOCK", "WRITE", 23546, "fe:00", 11658055, 0, null),
            new LockLine(3, 1, "FLOCK", "READ", 23562, "fe:00", 11658055, 0, null),
            new LockLine(3, 2, "FLOCK", "WRITE", 23561, "fe:00", 11658055, 0, null),
        }, locks.AsEnumerable());
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage\n")]
    [InlineData("1: FLOCK  ADVISORY  WRITE 1 fe:00\n")]
    [InlineData("x: FLOCK  ADVISORY  WRITE 1 fe:00:1 0 EOF\n")]
    [InlineData("1: FLOCK  ADVISORY  WRITE 1 fe:00:1 0 nine\n")]
    public void Odd_lines_are_skipped_with_a_note_and_never_throw(string text)
    {
        ImmutableArray<LockLine> locks = LocksFile.Parse(text, out ImmutableArray<string> notes);
        Assert.Empty(locks);
        Assert.Equal(text.Length == 0 ? 0 : 1, notes.Length);
    }

    [Fact]
    public void A_bad_line_does_not_lose_the_good_ones()
    {
        ImmutableArray<LockLine> locks = LocksFile.Parse("1: FLOCK  ADVISORY  WRITE 7 fe:00:5 0 EOF\n2: broken\n", out ImmutableArray<string> notes);
        Assert.Equal(7, Assert.Single(locks).Pid);
        Assert.Single(notes);
    }
}
