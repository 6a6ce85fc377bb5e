using System.Text.Json;

namespace Glassbox.Models.Families;

/// <summary>The known model families and lookup by config.json <c>model_type</c> or <c>architectures</c>.</summary>
public static class FamilyRegistry
{
    /// <summary>Every built-in family.</summary>
    public static IReadOnlyList<IModelFamily> All { get; } =
        new IModelFamily[]
        {
            new Gpt2Family(),
            new LlamaFamily(),
            new BertFamily(),
            new NeoXFamily(),
            new GlassboxFamily(),
        };

    /// <summary>Every <c>model_type</c> a built-in family handles.</summary>
    public static IReadOnlyList<string> KnownModelTypes { get; } = All.SelectMany(f => f.HfModelTypes).ToArray();

    /// <summary>The family that reads <paramref name="modelType"/> (also accepts a family name or architecture class name).</summary>
    /// <param name="modelType">A config.json <c>model_type</c>, e.g. "qwen2", or <see cref="ModelConfig.Architecture"/>.</param>
    /// <param name="sourceForErrors">File or context named in the error message.</param>
    /// <returns>The family.</returns>
    /// <exception cref="ConfigException">No family handles it; the message lists the known ones.</exception>
    public static IModelFamily ForModelType(string modelType, string sourceForErrors = "config")
    {
        var f = All.FirstOrDefault(x => x.HfModelTypes.Contains(modelType, StringComparer.Ordinal))
            ?? All.FirstOrDefault(x =>
                x.Name == modelType || x.HfArchitectures.Contains(modelType, StringComparer.Ordinal)
            );
        return f
            ?? throw new ConfigException(
                // The name comes from the file: escaped (JSON style) so a control character cannot break the one line.
                $"{sourceForErrors}: unknown architecture '{JsonEncodedText.Encode(modelType)}'; known model types: {string.Join(", ", KnownModelTypes)}"
            );
    }

    /// <summary>The family for a parsed config.json: by <c>model_type</c>, else by the first entry of <c>architectures</c>.</summary>
    /// <param name="configJson">The config.json root.</param>
    /// <param name="sourceForErrors">File named in error messages.</param>
    /// <returns>The family.</returns>
    /// <exception cref="ConfigException">The config names neither, or names an unknown architecture.</exception>
    public static IModelFamily ForConfig(JsonElement configJson, string sourceForErrors)
    {
        if (configJson.ValueKind != JsonValueKind.Object)
            throw new ConfigException($"{sourceForErrors}: config must be a JSON object, found {configJson.ValueKind}");
        if (configJson.TryGetProperty("model_type", out var mt) && mt.ValueKind == JsonValueKind.String)
            return ForModelType(mt.GetString()!, sourceForErrors);
        if (
            configJson.TryGetProperty("architectures", out var archs)
            && archs.ValueKind == JsonValueKind.Array
            && archs.GetArrayLength() > 0
            && archs[0].ValueKind == JsonValueKind.String
        )
            return ForModelType(archs[0].GetString()!, sourceForErrors);
        throw new ConfigException(
            $"{sourceForErrors}: required config field 'model_type' is missing; known model types: {string.Join(", ", KnownModelTypes)}"
        );
    }

    /// <summary>Picks the family and reads the config in one step.</summary>
    /// <param name="configJson">The config.json root.</param>
    /// <param name="sourceForErrors">File named in error messages.</param>
    /// <returns>The family and the validated config.</returns>
    /// <exception cref="ConfigException">Unknown architecture, or a missing or invalid field.</exception>
    public static (IModelFamily Family, ModelConfig Config) ReadConfig(JsonElement configJson, string sourceForErrors)
    {
        var family = ForConfig(configJson, sourceForErrors);
        return (family, family.ReadConfig(configJson, sourceForErrors));
    }
}
