using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProcAudit;

/// <summary>Writes syscall argument registers as "0x..." strings: many are addresses above 2^53, which JSON numbers lose.</summary>
internal sealed class HexArgsConverter : JsonConverter<ImmutableArray<ulong>>
{
    public override ImmutableArray<ulong> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        ImmutableArray<ulong>.Builder values = ImmutableArray.CreateBuilder<ulong>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("syscall args must be an array");
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            string text = reader.GetString() ?? "0";
            values.Add(ulong.Parse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        return values.ToImmutable();
    }

    public override void Write(Utf8JsonWriter writer, ImmutableArray<ulong> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (ulong v in value.IsDefault ? ImmutableArray<ulong>.Empty : value)
        {
            writer.WriteStringValue("0x" + v.ToString("x", CultureInfo.InvariantCulture));
        }
        writer.WriteEndArray();
    }
}
