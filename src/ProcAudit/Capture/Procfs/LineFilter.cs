using System.Text;

namespace ProcAudit.Capture.Procfs;

/// <summary>
/// The lines of a file worth decoding: those that hold one of a few strings, found in the file's bytes
/// before any text is made. What a parser looks for must be among them; it still checks each line it gets.
/// </summary>
internal sealed class LineFilter
{
    private readonly byte[][] _needles;

    public LineFilter(params string[] needles)
    {
        _needles = needles.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The lines of <paramref name="data"/> that hold a needle, each ending in a newline.</summary>
    public string Keep(ReadOnlySpan<byte> data)
    {
        StringBuilder kept = new();
        while (!data.IsEmpty)
        {
            int newline = data.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = newline < 0 ? data : data[..newline];
            data = newline < 0 ? ReadOnlySpan<byte>.Empty : data[(newline + 1)..];
            foreach (byte[] needle in _needles)
            {
                if (line.IndexOf(needle) >= 0)
                {
                    kept.Append(Encoding.UTF8.GetString(line)).Append('\n');
                    break;
                }
            }
        }
        return kept.ToString();
    }
}
