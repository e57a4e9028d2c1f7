using System.Buffers.Binary;
using System.IO.Compression;

namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>
/// The pixels of a PNG screenshot, as Chromium writes them (8-bit RGB or RGBA, not interlaced): enough
/// to count what a page drew, with nothing but the framework's zlib.
/// </summary>
internal sealed class PngPixels
{
    private readonly byte[] _rgb;

    private PngPixels(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        _rgb = rgb;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>How many pixels match <paramref name="match"/> (red, green, blue).</summary>
    public int Count(Func<byte, byte, byte, bool> match)
    {
        int n = 0;
        for (int i = 0; i < _rgb.Length; i += 3)
        {
            if (match(_rgb[i], _rgb[i + 1], _rgb[i + 2]))
            {
                n++;
            }
        }
        return n;
    }

    public static PngPixels Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        Assert.True(file.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), $"{path} is not a PNG");
        int width = 0, height = 0, channels = 0;
        using MemoryStream compressed = new();
        for (int at = 8; at < file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            ReadOnlySpan<byte> data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.True(data[8] == 8 && data[12] == 0, $"{path}: only 8-bit, non-interlaced PNGs are read here");
                channels = data[9] switch
                {
                    2 => 3,
                    6 => 4,
                    _ => throw new InvalidDataException($"{path}: colour type {data[9]} is not read here"),
                };
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }
            at += 12 + length;
        }
        compressed.Position = 0;
        using ZLibStream zlib = new(compressed, CompressionMode.Decompress);
        using MemoryStream raw = new();
        zlib.CopyTo(raw);
        return new PngPixels(width, height, Unfilter(raw.ToArray(), width, height, channels));
    }

    /// <summary>Undoes the per-row filters (PNG specification, section 9) and drops alpha.</summary>
    private static byte[] Unfilter(byte[] data, int width, int height, int channels)
    {
        int stride = width * channels;
        byte[] previous = new byte[stride];
        byte[] row = new byte[stride];
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            int filter = data[y * (stride + 1)];
            Array.Copy(data, y * (stride + 1) + 1, row, 0, stride);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? row[i - channels] : 0;
                int b = previous[i];
                int c = i >= channels ? previous[i - channels] : 0;
                row[i] = (byte)(row[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                });
            }
            for (int x = 0; x < width; x++)
            {
                Array.Copy(row, x * channels, rgb, (y * width + x) * 3, 3);
            }
            (previous, row) = (row, previous);
        }
        return rgb;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a);
        int pb = Math.Abs(p - b);
        int pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
