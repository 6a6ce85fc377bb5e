using System.Text.Json.Serialization;

namespace Glassbox;

/// <summary>The one JSON shape of every command's result (printed by <c>--json</c> and written to result files):
/// <c>{ command, model, version, manifest, result }</c>. See docs/json.md and docs/json/envelope.schema.json.</summary>
/// <typeparam name="T">The command's own result record.</typeparam>
/// <param name="Command">The command as typed after <c>glassbox</c>, e.g. <c>"probe pos"</c> or <c>"info"</c>.</param>
/// <param name="Model">Display name of the model, or null for commands that load none (<c>models</c>, <c>doctor</c>).
/// Always written, also when null.</param>
/// <param name="Version">Glassbox version that produced the result.</param>
/// <param name="Manifest">Provenance: model source and hash, data hashes, seed, options, time.</param>
/// <param name="Result">The command's result; always a JSON object.</param>
public sealed record ResultEnvelope<T>(
    string Command,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Model,
    string Version,
    RunManifest Manifest,
    T Result
);

/// <summary>Builds <see cref="ResultEnvelope{T}"/>s.</summary>
public static class ResultEnvelope
{
    /// <summary>The envelope of a command's result. Without a manifest, one with only the command and model is made
    /// (for commands that run no analysis, such as <c>models</c> and <c>doctor</c>).</summary>
    /// <param name="command">The command, e.g. <c>"probe pos"</c>.</param>
    /// <param name="model">Model display name, or null for model-free commands.</param>
    /// <param name="result">The command's result object.</param>
    /// <param name="manifest">Provenance, or null.</param>
    public static ResultEnvelope<T> Create<T>(string command, string? model, T result, RunManifest? manifest = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(result);
        return new ResultEnvelope<T>(
            command,
            model,
            GlassboxRuntime.Version,
            manifest ?? new RunManifest { Command = command, Model = model },
            result
        );
    }
}
