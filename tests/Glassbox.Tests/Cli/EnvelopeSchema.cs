using System.Globalization;
using System.Text.Json;

namespace Glassbox.Tests.Cli;

/// <summary>Checks JSON against docs/json/envelope.schema.json with the subset of JSON Schema 2020-12 that file uses
/// (type, required, properties, additionalProperties, minLength, local $ref), so no schema package is needed.</summary>
internal static class EnvelopeSchema
{
    private static readonly Lazy<JsonElement> Schema = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "docs", "json", "envelope.schema.json")));
        return doc.RootElement.Clone();
    });

    /// <summary>The schema file's root.</summary>
    public static JsonElement Root => Schema.Value;

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Glassbox.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Glassbox.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The schema violations of <paramref name="value"/> (empty when it is valid).</summary>
    public static List<string> Errors(JsonElement value)
    {
        var errors = new List<string>();
        Check(Root, value, "$", errors);
        return errors;
    }

    private static void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var r))
        {
            var target = Root;
            foreach (var part in r.GetString()!.TrimStart('#', '/').Split('/')) target = target.GetProperty(part);
            Check(target, value, path, errors);
            return;
        }
        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : new List<string> { type.GetString()! };
            if (!allowed.Any(t => Is(t, value))) { errors.Add($"{path}: expected {string.Join(" or ", allowed)}, got {value.ValueKind}"); return; }
        }
        if (value.ValueKind == JsonValueKind.String && schema.TryGetProperty("minLength", out var min) && value.GetString()!.Length < min.GetInt32())
            errors.Add($"{path}: shorter than {min.GetInt32().ToString(CultureInfo.InvariantCulture)}");
        if (value.ValueKind != JsonValueKind.Object) return;
        if (schema.TryGetProperty("required", out var required))
            foreach (var name in required.EnumerateArray().Select(n => n.GetString()!))
                if (!value.TryGetProperty(name, out _)) errors.Add($"{path}: missing required '{name}'");
        var props = schema.TryGetProperty("properties", out var p) ? p : default;
        foreach (var member in value.EnumerateObject())
        {
            if (props.ValueKind == JsonValueKind.Object && props.TryGetProperty(member.Name, out var sub)) Check(sub, member.Value, path + "." + member.Name, errors);
            else if (schema.TryGetProperty("additionalProperties", out var extra))
            {
                if (extra.ValueKind == JsonValueKind.False) errors.Add($"{path}: unexpected property '{member.Name}'");
                else if (extra.ValueKind == JsonValueKind.Object) Check(extra, member.Value, path + "." + member.Name, errors);
            }
        }
    }

    private static bool Is(string type, JsonElement v) => type switch
    {
        "object" => v.ValueKind == JsonValueKind.Object,
        "array" => v.ValueKind == JsonValueKind.Array,
        "string" => v.ValueKind == JsonValueKind.String,
        "null" => v.ValueKind == JsonValueKind.Null,
        "boolean" => v.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "number" => v.ValueKind == JsonValueKind.Number,
        "integer" => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _),
        _ => throw new InvalidOperationException($"schema type '{type}' is not supported by this checker"),
    };
}
