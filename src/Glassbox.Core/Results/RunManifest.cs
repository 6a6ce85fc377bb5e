using System.Text.Json;
using System.Text.Json.Serialization;

namespace Glassbox;

/// <summary>What produced a result: tool version, model and its hash, data hashes, seed and options. Every JSON
/// result carries one, in its <see cref="ResultEnvelope{T}"/>.</summary>
public sealed record RunManifest
{
    /// <summary>Glassbox version.</summary>
    public string Version { get; init; } = GlassboxRuntime.Version;

    /// <summary>Command or analysis name.</summary>
    public required string Command { get; init; }

    /// <summary>Model display name.</summary>
    public string? Model { get; init; }

    /// <summary>Model source and hash.</summary>
    public ModelSource? ModelSource { get; init; }

    /// <summary>The model's dtype (float32, bfloat16, float16), when a model ran.</summary>
    [JsonPropertyName("dtype")]
    public string? DType { get; init; }

    /// <summary>The model's device (cpu, cuda:0), when a model ran.</summary>
    public string? Device { get; init; }

    /// <summary>Hashes of input data files, by path.</summary>
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();

    /// <summary>The data in words (file and split, or the built-in generator and its seed), or null.</summary>
    public string? DataDescription { get; init; }

    /// <summary>Seed, if the run is random.</summary>
    public long? Seed { get; init; }

    /// <summary>Options as given.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>UTC time of the run.</summary>
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;
}

/// <summary>JSON settings shared by every result file.</summary>
public static class ResultJson
{
    /// <summary>Indented camelCase JSON with enums as strings.</summary>
    public static JsonSerializerOptions Options { get; } =
        new()
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };

    /// <summary>Serialises a result.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Writes a result atomically.</summary>
    public static void Save<T>(string path, T value) => AtomicFile.WriteAllText(path, Serialize(value));
}
