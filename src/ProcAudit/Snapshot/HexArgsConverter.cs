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
            // A damaged file must fail as bad JSON (one line to the user), never as a crash.
            string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (text is null || !ulong.TryParse(text.StartsWith("0x", StringComparison.Ordinal) ? text.AsSpan(2) : text.AsSpan(),
                NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value))
            {
                throw new JsonException($"syscall argument {(text is null ? reader.TokenType.ToString() : "'" + text + "'")} is not a hex string");
            }
            values.Add(value);
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
