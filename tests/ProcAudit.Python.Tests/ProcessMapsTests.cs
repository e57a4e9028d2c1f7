namespace ProcAudit.Python.Tests;

/// <summary>The maps lines the locator depends on: each file once at its lowest offset, whatever its name holds.</summary>
public sealed class ProcessMapsTests
{
    [Fact]
    public void EachFileComesOnceAtItsLowestOffsetWithSpacesAndDeletionKept()
    {
        IReadOnlyList<MappedFile> files = ProcessMaps.Parse(
        [
            "7f0000002000-7f0000003000 r-xp 00001000 08:01 42                         /opt/my python/libpython3.12.so.1.0",
            "7f0000001000-7f0000002000 r--p 00000000 08:01 42                         /opt/my python/libpython3.12.so.1.0",
            "7f0000004000-7f0000005000 r--p 00000000 08:01 43                         /usr/lib/libc.so.6 (deleted)",
            "7f0000006000-7f0000007000 rw-p 00000000 00:00 0 ",
            "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]",
        ]);

        Assert.Equal(2, files.Count);
        MappedFile python = Assert.Single(files, f => f.Inode == 42);
        Assert.Equal(("/opt/my python/libpython3.12.so.1.0", 0x7f0000001000UL, 0UL, false), (python.Path, python.Start, python.Offset, python.Deleted));
        MappedFile libc = Assert.Single(files, f => f.Inode == 43);
        Assert.Equal(("/usr/lib/libc.so.6", true), (libc.Path, libc.Deleted));
    }
}
