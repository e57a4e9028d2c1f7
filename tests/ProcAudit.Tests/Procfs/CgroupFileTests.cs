using ProcAudit.Capture.Procfs;

namespace ProcAudit.Tests.Procfs;

public sealed class CgroupFileTests
{
    [Theory]
    [InlineData("0::/system.slice/docker-abc.scope\n", "/system.slice/docker-abc.scope")]
    [InlineData("9:name=systemd:/\n4:memory:/process_api/7f72\n1:cpu:/\n0::/\n", "/process_api/7f72")]
    [InlineData("12:pids:/docker/abc\n11:memory:/docker/abc\n", "/docker/abc")]
    [InlineData("0::/\n", "/")]
    [InlineData("", null)]
    public void The_path_that_names_the_container_is_chosen(string text, string? expected)
    {
        Assert.Equal(expected, CgroupFile.Path(text));
    }
}

public sealed class StatusNsPidsTests
{
    [Theory]
    [InlineData("Name:\tpython3\nNSpid:\t4242\t1\nNSpgid:\t4242\t1\n", new[] { 4242, 1 })]
    [InlineData("Name:\tsleep\nNSpid:\t17\n", new[] { 17 })]
    [InlineData("Name:\told kernel\n", new int[0])]
    [InlineData("NSpid:\t12\tx\n", new int[0])]
    public void NSpid_lists_the_pid_in_each_namespace_ours_first(string text, int[] expected)
    {
        Assert.Equal(expected, StatusFile.NsPids(text));
    }
}
