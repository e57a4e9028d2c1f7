namespace ProcAudit.Capture;

/// <summary>
/// The names a person calls a process by, from its comm and command line: what <c>-n NAME</c>
/// matches. Pure: no /proc here.
/// </summary>
/// <remarks>
/// A process is known by its comm (<c>dotnet</c>, truncated by the kernel to 15 bytes), by the file
/// name of its argv[0] (<c>/usr/bin/python3</c> is <c>python3</c>), and, when that program is a host
/// that runs another (dotnet, python, node, java, a shell, ...), by the program it runs: the first
/// <c>.dll</c> of <c>dotnet</c> (<c>dotnet /sdk/MSBuild.dll</c> is <c>MSBuild.dll</c> and
/// <c>MSBuild</c>), the script of an interpreter (<c>python3 build.py</c> is <c>build.py</c> and
/// <c>build</c>), the module of <c>python -m pytest</c> (<c>pytest</c>), the jar of <c>java -jar</c>.
/// Names compare without regard to case (<c>msbuild</c> finds <c>MSBuild.dll</c>) and whole:
/// <c>sleep</c> does not find <c>sleepy</c>.
/// </remarks>
internal static class ProgramNames
{
    private static readonly string[] s_interpreters = { "python", "node", "nodejs", "perl", "ruby", "php", "sh", "bash", "dash", "zsh", "ksh", "java", "mono" };

    /// <summary>Every name the process answers to, without duplicates (case-insensitive).</summary>
    public static IReadOnlyList<string> Of(string comm, IReadOnlyList<string> argv)
    {
        List<string> names = new();
        Add(names, comm);
        if (argv.Count == 0)
        {
            return names;
        }
        string program = Path.GetFileName(argv[0]);
        Add(names, program);
        string host = IsHost(program) ? program : IsHost(comm) ? comm : "";
        if (host.Length == 0)
        {
            return names;
        }
        if (host == "dotnet")
        {
            // dotnet exec --runtimeconfig x.json app.dll: the first .dll is the program.
            if (argv.Skip(1).FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) is string dll)
            {
                AddWithStem(names, Path.GetFileName(dll));
            }
            return names;
        }
        for (int i = 1; i < argv.Count; i++)
        {
            string arg = argv[i];
            if (arg is "-m" or "-jar" && i + 1 < argv.Count)
            {
                AddWithStem(names, Path.GetFileName(argv[i + 1]));
                return names;
            }
            if (arg is "-c" or "-e" or "--eval" or "-")
            {
                return names; // the program is inline text, not a file
            }
            if (!arg.StartsWith('-'))
            {
                AddWithStem(names, Path.GetFileName(arg));
                return names;
            }
        }
        return names;
    }

    /// <summary>True when <paramref name="query"/> is one of the process's names (<see cref="Of"/>).</summary>
    public static bool Matches(string query, string comm, IReadOnlyList<string> argv)
    {
        IReadOnlyList<string> names = Of(comm, argv);
        if (names.Contains(query, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }
        // The kernel keeps 15 bytes of comm: a longer name matches a comm that is its start, unless
        // the command line gives the whole name and it is another.
        return query.Length > 15 && comm.Length == 15 && string.Equals(comm, query[..15], StringComparison.OrdinalIgnoreCase)
            && !names.Any(n => n.Length > 15 && n.StartsWith(comm, StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsHost(string name) =>
        name == "dotnet" || s_interpreters.Any(i => name == i || (name.StartsWith(i, StringComparison.Ordinal) && name[i.Length..].All(c => char.IsDigit(c) || c == '.')));

    private static void AddWithStem(List<string> names, string file)
    {
        Add(names, file);
        string stem = Path.GetFileNameWithoutExtension(file);
        if (stem.Length > 0)
        {
            Add(names, stem);
        }
    }

    private static void Add(List<string> names, string name)
    {
        if (name.Length > 0 && !names.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            names.Add(name);
        }
    }
}
