using System.Globalization;
using ProcAudit.Capture.Syscalls;
using Xunit.Abstractions;

namespace ProcAudit.Tests.Syscalls;

public sealed class SyscallTableTests
{
    private readonly ITestOutputHelper _output;

    public SyscallTableTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData("read", 0)]
    [InlineData("write", 1)]
    [InlineData("poll", 7)]
    [InlineData("ioctl", 16)]
    [InlineData("select", 23)]
    [InlineData("pause", 34)]
    [InlineData("nanosleep", 35)]
    [InlineData("connect", 42)]
    [InlineData("accept", 43)]
    [InlineData("sendto", 44)]
    [InlineData("recvfrom", 45)]
    [InlineData("wait4", 61)]
    [InlineData("fcntl", 72)]
    [InlineData("flock", 73)]
    [InlineData("futex", 202)]
    [InlineData("epoll_wait", 232)]
    [InlineData("clock_nanosleep", 230)]
    [InlineData("waitid", 247)]
    [InlineData("openat", 257)]
    [InlineData("pselect6", 270)]
    [InlineData("ppoll", 271)]
    [InlineData("epoll_pwait", 281)]
    [InlineData("accept4", 288)]
    [InlineData("pidfd_open", 434)]
    [InlineData("pidfd_getfd", 438)]
    [InlineData("epoll_pwait2", 441)]
    [InlineData("futex_waitv", 449)]
    public void X64NumbersMatchKernel(string name, long number)
    {
        Assert.Equal(name, SyscallTable.Name(SyscallArch.X64, number));
        Assert.Equal(number, SyscallTable.Number(SyscallArch.X64, name));
    }

    [Theory]
    [InlineData("epoll_pwait", 22)]
    [InlineData("fcntl", 25)]
    [InlineData("ioctl", 29)]
    [InlineData("flock", 32)]
    [InlineData("renameat", 38)]
    [InlineData("openat", 56)]
    [InlineData("lseek", 62)]
    [InlineData("read", 63)]
    [InlineData("write", 64)]
    [InlineData("readv", 65)]
    [InlineData("writev", 66)]
    [InlineData("sendfile", 71)]
    [InlineData("pselect6", 72)]
    [InlineData("ppoll", 73)]
    [InlineData("newfstatat", 79)]
    [InlineData("fstat", 80)]
    [InlineData("waitid", 95)]
    [InlineData("futex", 98)]
    [InlineData("nanosleep", 101)]
    [InlineData("clock_nanosleep", 115)]
    [InlineData("getrlimit", 163)]
    [InlineData("accept", 202)]
    [InlineData("connect", 203)]
    [InlineData("sendto", 206)]
    [InlineData("recvfrom", 207)]
    [InlineData("mmap", 222)]
    [InlineData("accept4", 242)]
    [InlineData("wait4", 260)]
    [InlineData("pidfd_open", 434)]
    [InlineData("clone3", 435)]
    [InlineData("pidfd_getfd", 438)]
    [InlineData("memfd_secret", 447)]
    [InlineData("futex_waitv", 449)]
    public void Arm64NumbersMatchKernel(string name, long number)
    {
        Assert.Equal(name, SyscallTable.Name(SyscallArch.Arm64, number));
        Assert.Equal(number, SyscallTable.Number(SyscallArch.Arm64, name));
    }

    [Theory]
    [InlineData("open")]
    [InlineData("poll")]
    [InlineData("select")]
    [InlineData("epoll_wait")]
    [InlineData("pause")]
    [InlineData("fork")]
    [InlineData("stat")]
    [InlineData("fcntl64")]
    [InlineData("llseek")]
    [InlineData("futex_time64")]
    [InlineData("sync_file_range2")]
    public void Arm64LacksLegacyAndCompatSyscalls(string name)
    {
        Assert.Null(SyscallTable.Number(SyscallArch.Arm64, name));
    }

    [Fact]
    public void Arm64HasNoArchSpecificOrTime64Slots()
    {
        // 244..259 are the per-arch range (arm64 defines none); 403..423 are the 32-bit time64 variants.
        for (long n = 244; n <= 259; n++)
        {
            Assert.Null(SyscallTable.Name(SyscallArch.Arm64, n));
        }

        for (long n = 403; n <= 423; n++)
        {
            Assert.Null(SyscallTable.Name(SyscallArch.Arm64, n));
        }
    }

    [Theory]
    [InlineData(SyscallArch.X64, -1)]
    [InlineData(SyscallArch.X64, 100_000)]
    [InlineData(SyscallArch.X64, long.MaxValue)]
    [InlineData(SyscallArch.X64, long.MinValue)]
    [InlineData(SyscallArch.X64, 400)]
    [InlineData(SyscallArch.Arm64, -1)]
    [InlineData(SyscallArch.Arm64, 100_000)]
    [InlineData(SyscallArch.Arm64, 300)]
    public void UnknownNumbersGiveNull(SyscallArch arch, long number)
    {
        Assert.Null(SyscallTable.Name(arch, number));
    }

    [Theory]
    [InlineData(SyscallArch.X64)]
    [InlineData(SyscallArch.Arm64)]
    public void UnknownNamesGiveNull(SyscallArch arch)
    {
        Assert.Null(SyscallTable.Number(arch, "no_such_syscall"));
        Assert.Null(SyscallTable.Number(arch, ""));
        // Lookups are exact: syscall names are lower-case and so is /proc.
        Assert.Null(SyscallTable.Number(arch, "READ"));
    }

    [Theory]
    [InlineData(SyscallArch.X64)]
    [InlineData(SyscallArch.Arm64)]
    public void ReverseLookupRoundTripsEveryNumber(SyscallArch arch)
    {
        int named = 0;
        for (long n = 0; n < 1024; n++)
        {
            string? name = SyscallTable.Name(arch, n);
            if (name is null)
            {
                continue;
            }

            named++;
            Assert.Equal(n, SyscallTable.Number(arch, name));
        }

        Assert.True(named > 250, $"only {named} syscalls named for {arch}");
    }

    [Theory]
    [InlineData("read", "FdRead")]
    [InlineData("readv", "FdRead")]
    [InlineData("pread64", "FdRead")]
    [InlineData("preadv2", "FdRead")]
    [InlineData("recvfrom", "FdRead")]
    [InlineData("recvmsg", "FdRead")]
    [InlineData("recvmmsg", "FdRead")]
    [InlineData("write", "FdWrite")]
    [InlineData("writev", "FdWrite")]
    [InlineData("pwrite64", "FdWrite")]
    [InlineData("pwritev2", "FdWrite")]
    [InlineData("sendto", "FdWrite")]
    [InlineData("sendmsg", "FdWrite")]
    [InlineData("sendmmsg", "FdWrite")]
    [InlineData("sendfile", "FdWrite")]
    [InlineData("wait4", "Wait")]
    [InlineData("waitid", "Wait")]
    [InlineData("select", "Poll")]
    [InlineData("pselect6", "Poll")]
    [InlineData("poll", "Poll")]
    [InlineData("ppoll", "Poll")]
    [InlineData("epoll_wait", "Poll")]
    [InlineData("epoll_pwait", "Poll")]
    [InlineData("epoll_pwait2", "Poll")]
    [InlineData("futex", "Futex")]
    [InlineData("futex_waitv", "Futex")]
    [InlineData("nanosleep", "Sleep")]
    [InlineData("clock_nanosleep", "Sleep")]
    [InlineData("pause", "Sleep")]
    [InlineData("rt_sigsuspend", "Sleep")]
    [InlineData("rt_sigtimedwait", "Sleep")]
    [InlineData("flock", "FdOther")]
    [InlineData("fcntl", "FdOther")]
    [InlineData("accept", "FdOther")]
    [InlineData("accept4", "FdOther")]
    [InlineData("connect", "FdOther")]
    [InlineData("ioctl", "FdOther")]
    [InlineData("fsync", "FdOther")]
    [InlineData("fdatasync", "FdOther")]
    [InlineData("sync_file_range", "FdOther")]
    [InlineData("splice", "FdOther")]
    [InlineData("tee", "FdOther")]
    [InlineData("close", "Other")]
    [InlineData("openat", "Other")]
    [InlineData("execve", "Other")]
    [InlineData("no_such_syscall", "Other")]
    public void ShapeClassifiesBlockingCalls(string name, string expected)
    {
        // SyscallShape is internal, so a public theory takes its name rather than the value.
        Assert.Equal(Enum.Parse<SyscallShape>(expected), SyscallTable.Shape(name));
    }

    [Fact]
    public void ShapeNamesAreRealSyscalls()
    {
        // Classifying every real name catches a typo in Shape's list: the misspelt entry matches
        // nothing, so the real syscall would fall through to Other and drop out of this set.
        SortedSet<string> classified = new(StringComparer.Ordinal);
        foreach (SyscallArch arch in Enum.GetValues<SyscallArch>())
        {
            for (long n = 0; n < 1024; n++)
            {
                string? name = SyscallTable.Name(arch, n);
                if (name is not null && SyscallTable.Shape(name) != SyscallShape.Other)
                {
                    classified.Add(name);
                }
            }
        }

        SortedSet<string> expected = new(StringComparer.Ordinal)
        {
            "read", "readv", "pread64", "preadv", "preadv2", "recvfrom", "recvmsg", "recvmmsg",
            "write", "writev", "pwrite64", "pwritev", "pwritev2", "sendto", "sendmsg", "sendmmsg", "sendfile",
            "flock", "fcntl", "accept", "accept4", "connect", "ioctl", "fsync", "fdatasync",
            "sync_file_range", "syncfs", "fallocate", "ftruncate", "getdents", "getdents64",
            "splice", "tee", "vmsplice", "copy_file_range", "io_uring_enter",
            "wait4", "waitid",
            "select", "pselect6", "poll", "ppoll", "epoll_wait", "epoll_pwait", "epoll_pwait2",
            "futex", "futex_waitv",
            "nanosleep", "clock_nanosleep", "pause", "rt_sigsuspend", "rt_sigtimedwait",
        };
        Assert.Equal(expected, classified);
    }

    [Fact]
    public void CurrentMatchesProcessArchitecture()
    {
        SyscallArch? expected = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 when OperatingSystem.IsLinux() => SyscallArch.X64,
            System.Runtime.InteropServices.Architecture.Arm64 when OperatingSystem.IsLinux() => SyscallArch.Arm64,
            _ => null,
        };
        Assert.Equal(expected, SyscallTable.Current);
    }

    [Fact]
    public void TableMatchesThisMachinesSysSyscallH()
    {
        string[] names = ["read", "write", "wait4", "futex", "epoll_pwait", "openat", "pidfd_getfd"];
        string compiler = Prerequisites.CCompiler("this test compiles a probe that prints this machine's <sys/syscall.h> numbers");

        string dir = Path.Combine(Path.GetTempPath(), "procaudit-syscall-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string source = Path.Combine(dir, "nr.c");
            string exe = Path.Combine(dir, "nr");
            File.WriteAllText(source, BuildProbeSource(names));

            (int ccExit, string ccOut) = Run(compiler, ["-o", exe, source]);
            Assert.True(ccExit == 0, $"{compiler} failed to compile the <sys/syscall.h> probe (exit {ccExit}):\n{ccOut}");

            (int runExit, string runOut) = Run(exe, []);
            Assert.True(runExit == 0, $"syscall probe exited with {runExit}:\n{runOut}");

            Dictionary<string, string> reported = new(StringComparer.Ordinal);
            foreach (string line in runOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string[] parts = line.Split(' ', 2);
                reported[parts[0]] = parts.Length > 1 ? parts[1] : "";
            }

            // The compiler's target decides which table applies; it must also be the one Current picks,
            // otherwise ProcAudit would misname syscalls on this machine.
            SyscallArch? compiled = reported.GetValueOrDefault("arch") switch
            {
                "x64" => SyscallArch.X64,
                "arm64" => SyscallArch.Arm64,
                _ => null,
            };
            Assert.True(
                compiled is not null,
                $"x86-64 or arm64 is needed: {compiler} targets '{reported.GetValueOrDefault("arch")}', which has no ProcAudit syscall table, so ProcAudit cannot name this machine's syscalls.");
            Assert.Equal(compiled, SyscallTable.Current);

            foreach (string name in names)
            {
                string value = reported.GetValueOrDefault(name, "missing");
                if (value == "missing")
                {
                    // Only headers older than the syscall lack it; nothing to compare against.
                    Assert.True(name == "pidfd_getfd", $"<sys/syscall.h> on this machine does not define SYS_{name}");
                    _output.WriteLine($"SYS_{name} is not defined by this machine's headers; not compared.");
                    continue;
                }

                long number = long.Parse(value, CultureInfo.InvariantCulture);
                Assert.True(
                    SyscallTable.Name(compiled.Value, number) == name,
                    $"SYS_{name} is {number} on this machine but the {compiled} table names {number} '{SyscallTable.Name(compiled.Value, number)}'");
                Assert.Equal(number, SyscallTable.Number(compiled.Value, name));
                _output.WriteLine($"{compiled}: SYS_{name} = {number} matches");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string BuildProbeSource(string[] names)
    {
        System.Text.StringBuilder c = new();
        c.AppendLine("#include <stdio.h>");
        c.AppendLine("#include <sys/syscall.h>");
        c.AppendLine("int main(void) {");
        // x32 also defines __x86_64__ but numbers syscalls differently.
        c.AppendLine("#if defined(__x86_64__) && !defined(__ILP32__)");
        c.AppendLine("    puts(\"arch x64\");");
        c.AppendLine("#elif defined(__aarch64__) && !defined(__ILP32__)");
        c.AppendLine("    puts(\"arch arm64\");");
        c.AppendLine("#else");
        c.AppendLine("    puts(\"arch other\");");
        c.AppendLine("#endif");
        foreach (string name in names)
        {
            c.AppendLine($"#ifdef SYS_{name}");
            c.AppendLine($"    printf(\"{name} %ld\\n\", (long)SYS_{name});");
            c.AppendLine("#else");
            c.AppendLine($"    puts(\"{name} missing\");");
            c.AppendLine("#endif");
        }

        c.AppendLine("    return 0;");
        c.AppendLine("}");
        return c.ToString();
    }

    private static (int ExitCode, string Output) Run(string fileName, string[] arguments)
    {
        CommandResult result = BoundedCommand.Run(fileName, arguments, TimeSpan.FromMinutes(2));
        return (result.ExitCode, result.Stdout + result.Stderr);
    }
}
