using System.Text;
using System.Text.Json;
using ProcAudit.Capture.Procfs;
using ProcAudit.Reporting;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Hardening;

/// <summary>
/// Every /proc parser takes random, truncated, mutated and huge input without throwing; the
/// snapshot reader fails only with a JsonException, which the CLI turns into one line. Inputs
/// are mutations of real recorded files plus random text, from a fixed seed (CI is repeatable);
/// PROCAUDIT_FUZZ_ITERATIONS=100000 runs longer.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int Seed = 20261123;

    private static readonly int s_iterations =
        int.TryParse(Environment.GetEnvironmentVariable("PROCAUDIT_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : 2000;

    private static readonly string[] s_parsers = { "stat", "status", "syscall", "fdinfo", "fdlink", "cmdline", "stack", "wchan", "maps" };

    public static TheoryData<string> Parsers => new(s_parsers);

    [Theory]
    [MemberData(nameof(Parsers))]
    public void A_parser_never_throws(string parser)
    {
        Func<string, object?> parse = Parser(parser);
        List<string> seeds = RecordedSamples(parser);
        Assert.NotEmpty(seeds);
        Random random = new(Seed ^ parser.GetHashCode(StringComparison.Ordinal) & 0x7fff);
        for (int i = 0; i < s_iterations; i++)
        {
            string input = Mutate(seeds[random.Next(seeds.Count)], random);
            Exception? thrown = Record.Exception(() => parse(input));
            Assert.True(thrown is null, $"{parser} threw {thrown?.GetType().Name} on input #{i}: {Show(input)}\n{thrown}");
        }
    }

    [Fact]
    public void Huge_inputs_are_parsed_without_throwing()
    {
        string huge = string.Concat(Enumerable.Repeat("1 (x) S 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", 200_000));
        foreach (string parser in s_parsers)
        {
            Exception? thrown = Record.Exception(() => Parser(parser)(huge));
            Assert.True(thrown is null, $"{parser} threw on a {huge.Length}-character input: {thrown}");
        }
    }

    [Fact]
    public void The_snapshot_reader_fails_only_with_a_json_exception()
    {
        string real = File.ReadAllText(Path.Combine(RecordedFixtures.RepoRoot, "tests", "fixtures", "snapshots", "go-pipe-order-inversion.json"));
        Random random = new(Seed);
        for (int i = 0; i < s_iterations / 4; i++)
        {
            string input = Mutate(real, random);
            Exception? thrown = Record.Exception(() => ReportJson.DeserializeSnapshot(input));
            Assert.True(thrown is null or JsonException, $"snapshot reader threw {thrown?.GetType().Name} on input #{i}: {thrown}");
        }
    }

    private static Func<string, object?> Parser(string name) => name switch
    {
        "stat" => text => StatFile.Parse(text),
        "status" => text => StatusFile.Parse(text),
        "syscall" => text => SyscallFile.Parse(text),
        "fdinfo" => text => FdInfoFile.Parse(text),
        "fdlink" => text => FdLink.Classify(text),
        "cmdline" => text => CmdlineFile.Parse(text),
        "stack" => text => StackFile.Parse(text),
        "wchan" => text => WchanFile.Parse(text),
        "maps" => text => MapsFile.MappedFileNames(text),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Real texts of that file from the recorded fixture trees: mutations of real input find more than noise does.</summary>
    private static List<string> RecordedSamples(string parser)
    {
        string file = parser switch
        {
            "fdlink" => "fd",
            _ => parser,
        };
        List<string> samples = new();
        foreach (string fixture in Directory.EnumerateDirectories(Path.Combine(RecordedFixtures.RepoRoot, "tests", "fixtures")))
        {
            string proc = Path.Combine(fixture, "proc");
            if (!Directory.Exists(proc))
            {
                continue;
            }
            foreach (string path in Directory.EnumerateFileSystemEntries(proc, "*", SearchOption.AllDirectories))
            {
                string parent = Path.GetFileName(Path.GetDirectoryName(path)!);
                if (file == "fd" && parent == "fd" && new FileInfo(path).LinkTarget is string link)
                {
                    samples.Add(link);
                }
                else if (file == "fdinfo" && parent == "fdinfo" || Path.GetFileName(path) == file && File.Exists(path))
                {
                    samples.Add(File.ReadAllText(path));
                }
                if (samples.Count >= 200)
                {
                    return samples;
                }
            }
        }
        return samples;
    }

    private static string Mutate(string text, Random random)
    {
        StringBuilder s = new(text);
        int edits = random.Next(1, 6);
        for (int e = 0; e < edits; e++)
        {
            int at = s.Length == 0 ? 0 : random.Next(s.Length);
            switch (random.Next(7))
            {
                case 0:
                    s.Length = at; // truncate
                    break;
                case 1:
                    if (s.Length > 0)
                    {
                        s[at] = (char)random.Next(0, 0x3000); // any character, controls and NUL included
                    }
                    break;
                case 2:
                    s.Insert(at, Tricky[random.Next(Tricky.Length)]);
                    break;
                case 3:
                    if (s.Length > 0)
                    {
                        s.Remove(at, Math.Min(random.Next(1, 20), s.Length - at));
                    }
                    break;
                case 4:
                    s.Insert(at, random.Next(3) switch { 0 => "-1", 1 => "99999999999999999999999", _ => "ffffffffffffffffffff" });
                    break;
                case 5:
                    string copy = s.ToString(at, Math.Min(random.Next(1, 200), s.Length - at));
                    s.Insert(at, copy); // duplicate a run
                    break;
                default:
                    s.Clear().Append(RandomText(random));
                    break;
            }
        }
        return s.ToString();
    }

    /// <summary>Characters /proc formats give meaning to: separators, brackets, NUL.</summary>
    private const string Tricky = "()) ( \n\t\0:-[]0x";

    private const string Alphabet = " 0123456789abcdef()[]:\n\t-";

    private static string RandomText(Random random)
    {
        char[] chars = new char[random.Next(0, 300)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = random.Next(4) == 0 ? (char)random.Next(0, 0xD7FF) : Alphabet[random.Next(Alphabet.Length)];
        }
        return new string(chars);
    }

    private static string Show(string input) => input.Length <= 300 ? input.Replace("\n", "\\n") : input[..300].Replace("\n", "\\n") + "...";
}
