using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Glassbox.Explorer.Hosting;

/// <summary>Reads the request records' string lists (concept examples, inputs, words) and refuses a <c>null</c>
/// element by its index. System.Text.Json's nullable annotations cover properties, not the elements of a collection,
/// and a null example reached TCAV as a null string (fuzz finding: a 500 in <c>/api/tcav/jobs</c>). The elements are
/// read here one by one (no nested deserialisation), so an error's path is the field's own.</summary>
public sealed class NoNullElements : JsonConverter<IReadOnlyList<string>>
{
    /// <inheritdoc/>
    public override bool HandleNull => false;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Read(
        ref Utf8JsonReader reader,
        Type typeToConvert,
        JsonSerializerOptions options
    )
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("expected an array of strings");
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"expected a string at index {list.Count}, got {(reader.TokenType == JsonTokenType.Null ? "null" : "a " + Kind(reader.TokenType))}"
                    )
                );
            list.Add(reader.GetString()!);
        }
        return list;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (var s in value)
            writer.WriteStringValue(s);
        writer.WriteEndArray();
    }

    private static string Kind(JsonTokenType t) =>
        t switch
        {
            JsonTokenType.Number => "number",
            JsonTokenType.True or JsonTokenType.False => "boolean",
            JsonTokenType.StartArray => "array",
            _ => "object",
        };
}
