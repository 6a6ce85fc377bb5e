using System.Text.Json;

namespace Glassbox.Models.Families;

/// <summary>Typed access to config.json fields with errors that name the field, the family and the file.</summary>
internal sealed class ConfigReader
{
    private readonly JsonElement _root;
    private readonly string _source;
    private readonly string _family;
    private readonly IReadOnlyDictionary<string, string[]> _keys;

    /// <param name="root">The parsed config.json.</param>
    /// <param name="source">The file, for messages.</param>
    /// <param name="family">The family name, for messages.</param>
    /// <param name="keys">The family's map from <see cref="ModelConfig"/> property to the config.json key(s) that feed it
    /// (aliases in lookup order), used to name the user's keys when validation fails.</param>
    public ConfigReader(JsonElement root, string source, string family, IReadOnlyDictionary<string, string[]> keys)
    {
        _keys = keys;
        if (root.ValueKind != JsonValueKind.Object)
            throw new ConfigException($"{source}: config must be a JSON object, found {root.ValueKind}");
        _root = root;
        _source = source;
        _family = family;
    }

    private bool TryGet(string field, out JsonElement v) =>
        _root.TryGetProperty(field, out v) && v.ValueKind != JsonValueKind.Null;

    private ConfigException Bad(string field, string want, JsonElement v) =>
        new($"{_source}: config field '{field}' must be {want}, found {v.GetRawText()} ({_family})");

    /// <summary>Whether the field is present and not null.</summary>
    public bool Has(string field) => TryGet(field, out _);

    /// <summary>A required integer field.</summary>
    public int Int(string field)
    {
        if (!TryGet(field, out var v))
            throw new ConfigException($"{_source}: required config field '{field}' is missing ({_family})");
        return AsInt(field, v);
    }

    /// <summary>An optional integer field (missing or null gives <paramref name="fallback"/>).</summary>
    public int Int(string field, int fallback) => TryGet(field, out var v) ? AsInt(field, v) : fallback;

    /// <summary>An optional integer field that may be absent.</summary>
    public int? NullableInt(string field) => TryGet(field, out var v) ? AsInt(field, v) : null;

    /// <summary>An optional number field; the first present of several aliases wins.</summary>
    public double Double(double fallback, params string[] fields)
    {
        foreach (var f in fields)
        {
            if (!TryGet(f, out var v))
                continue;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
                throw Bad(f, "a number", v);
            return d;
        }
        return fallback;
    }

    /// <summary>An optional boolean field.</summary>
    public bool Bool(string field, bool fallback)
    {
        if (!TryGet(field, out var v))
            return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(field, "true or false", v),
        };
    }

    /// <summary>An optional string field.</summary>
    public string String(string field, string fallback)
    {
        if (!TryGet(field, out var v))
            return fallback;
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Bad(field, "a string", v);
    }

    /// <summary>The raw value of a present, non-null key.</summary>
    public bool TryGetRaw(string field, out JsonElement value) => TryGet(field, out value);

    /// <summary>An error naming a field of this config, for checks the typed accessors do not cover.</summary>
    public ConfigException Error(string field, string problem) =>
        new($"{_source}: config field '{field}' {problem} ({_family})");

    /// <summary>Whether the key is written at all (null included).</summary>
    public bool Present(string field) => _root.TryGetProperty(field, out _);

    /// <summary>An optional positive window-like integer where an absent key gives <paramref name="absent"/> and an
    /// explicit null gives 0 (none), as HF configs distinguish them.</summary>
    public int IntOrNone(string field, int absent) =>
        !Present(field) ? absent
        : Has(field) ? Int(field)
        : 0;

    /// <summary>Rejects a boolean field set to the value whose behaviour Glassbox does not implement.</summary>
    public void UnsupportedBool(string field, bool implemented, string why)
    {
        if (Has(field) && Bool(field, implemented) != implemented)
            throw new ConfigException(
                $"{_source}: config field '{field}' = {(implemented ? "false" : "true")} is not supported ({_family}): {why}"
            );
    }

    /// <summary>Rejects a field whose presence (non-null) means a feature Glassbox does not implement.</summary>
    public void Unsupported(string field, string why)
    {
        if (TryGet(field, out var v))
            throw new ConfigException(
                $"{_source}: config field '{field}' = {v.GetRawText()} is not supported ({_family}): {why}"
            );
    }

    /// <summary>The activation named by <paramref name="field"/>.</summary>
    public ActivationKind Activation(string field, string fallback)
    {
        string name = String(field, fallback);
        return name switch
        {
            "gelu" => ActivationKind.Gelu,
            "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => ActivationKind.GeluTanh,
            "silu" or "swish" => ActivationKind.Silu,
            "relu" => ActivationKind.Relu,
            _ => throw new ConfigException(
                $"{_source}: config field '{field}' names unsupported activation '{name}' ({_family}; supported: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, silu, swish, relu)"
            ),
        };
    }

    /// <summary>The config.json name of an activation.</summary>
    public static string ActivationName(ActivationKind a) =>
        a switch
        {
            ActivationKind.Gelu => "gelu",
            ActivationKind.GeluTanh => "gelu_new",
            ActivationKind.Silu => "silu",
            ActivationKind.Relu => "relu",
            _ => throw new ArgumentOutOfRangeException(nameof(a), a, null),
        };

    /// <summary>Validates a freshly read config and normalises derived fields. Every problem is reported in one
    /// <see cref="ConfigException"/> that names the config.json keys (through the family's key map) and their values as written.</summary>
    public ModelConfig Finish(ModelConfig c)
    {
        var problems = c.Problems();
        if (problems.Count > 0)
            throw new ConfigException(
                $"{_source}: {string.Join("; ", problems.Select(p => p.Describe(Describe)))} ({_family})"
            );
        return ConfigNormalization.Normalize(c);
    }

    /// <summary>The config.json key feeding a field (the first alias present, else the first alias) with its value as written,
    /// or, when the key is absent, the value the field got by default or derivation.</summary>
    private string Describe(ConfigProblemField f)
    {
        if (!_keys.TryGetValue(f.Field, out var aliases) || aliases.Length == 0)
            return $"{f.Field}={ConfigProblem.ValueText(f.Value)}";
        foreach (var key in aliases)
        {
            if (TryGet(key, out var v))
                return $"{key}={v.GetRawText()}";
        }
        return $"{aliases[0]} (not set; {ConfigProblem.ValueText(f.Value)} by default)";
    }

    private int AsInt(string field, JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i))
            return i;
        // Some exporters write whole numbers as 768.0.
        if (
            v.ValueKind == JsonValueKind.Number
            && v.TryGetDouble(out double d)
            && d == Math.Floor(d)
            && Math.Abs(d) <= int.MaxValue
        )
            return (int)d;
        throw Bad(field, "an integer", v);
    }
}
