using System.Globalization;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Tests.Procfs;

/// <summary>The tree from task children files, and from every stat where the kernel has no children files.</summary>
public sealed class ProcessTreeFinderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "procaudit-tree-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Children_file_lists_pids_separated_by_spaces_with_a_trailing_space()
    {
        Assert.Equal(new[] { 812, 97, 4410 }, ChildrenFile.Parse("812 97 4410 "));
        Assert.Empty(ChildrenFile.Parse(""));
        Assert.Equal(new[] { 5 }, ChildrenFile.Parse("5 x -3 0\n"));
    }

    [Fact]
    public void With_children_files_the_tree_is_the_union_over_threads_breadth_first_in_pid_order_and_reads_only_its_own_stats()
    {
        // 100 forked 300 from its main thread and 200 from thread 101; 200 forked 400. 500 is elsewhere
        // and its stat is unreadable garbage: a finder that read it would note nothing, but must not need it.
        Process(100, ppid: 1, tasks: new() { [100] = "300 ", [101] = "200 " });
        Process(200, ppid: 100, tasks: new() { [200] = "400 " });
        Process(300, ppid: 100, tasks: new() { [300] = "" });
        Process(400, ppid: 200, tasks: new() { [400] = "" });
        Process(500, ppid: 1, tasks: new() { [500] = "" });
        File.WriteAllText(Path.Combine(_root, "500", "stat"), "garbage");

        ProcessTreeFinder finder = new(new ProcfsReader(_root), 100, new List<Note>());

        Assert.Equal(new[] { 100, 200, 300, 400 }, finder.TreeUnder(100));
        Assert.Equal(200, finder.Stat(400)!.PPid);
        // The holder scan still covers the machine: every pid outside the tree is a candidate.
        Assert.Equal(new[] { 100, 200, 300, 400, 500 }, finder.Machine().Order());
    }

    [Fact]
    public void A_child_gone_before_its_stat_was_read_is_left_out()
    {
        Process(100, ppid: 1, tasks: new() { [100] = "200 300 " });
        Process(300, ppid: 100, tasks: new() { [300] = "" });

        ProcessTreeFinder finder = new(new ProcfsReader(_root), 100, new List<Note>());

        Assert.Equal(new[] { 100, 300 }, finder.TreeUnder(100));
    }

    [Fact]
    public void Without_children_files_the_tree_follows_parent_pids_and_kernel_threads_are_not_scanned()
    {
        Process(100, ppid: 1, tasks: new() { [100] = null });
        Process(200, ppid: 100, tasks: new() { [200] = null });
        Process(300, ppid: 200, tasks: new() { [300] = null });
        Process(2, ppid: 0, tasks: new() { [2] = null }, flags: 0x00200040);

        ProcessTreeFinder finder = new(new ProcfsReader(_root), 100, new List<Note>());

        Assert.Equal(new[] { 100, 200, 300 }, finder.TreeUnder(100));
        Assert.Equal(new[] { 100, 200, 300 }, finder.Machine().Order());
        Assert.True(finder.Stat(2)!.IsKernelThread);
    }

    /// <summary>A process directory: its stat and, per thread, a children file (null: the kernel has none).</summary>
    private void Process(int pid, int ppid, Dictionary<int, string?> tasks, uint flags = 4194304)
    {
        string dir = Path.Combine(_root, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "stat"),
            $"{pid} (p{pid}) S {ppid} {pid} {pid} 0 -1 {flags} 0 0 0 0 1 0 0 0 20 0 {tasks.Count} 0 1000 0 0\n");
        foreach ((int tid, string? children) in tasks)
        {
            string task = Path.Combine(dir, "task", tid.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(task);
            if (children is not null)
            {
                File.WriteAllText(Path.Combine(task, "children"), children);
            }
        }
    }
}
