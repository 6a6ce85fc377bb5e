namespace Glassbox.Cli;

/// <summary>The only way commands print or save their JSON results: always as a <see cref="ResultEnvelope{T}"/>
/// (<c>{ command, model, version, manifest, result }</c>, docs/json.md).</summary>
internal static class CliJson
{
    /// <summary>The envelope of a command's result.</summary>
    public static ResultEnvelope<T> Envelope<T>(
        string command,
        string? model,
        T result,
        RunManifest? manifest = null
    ) => ResultEnvelope.Create(command, model, result, manifest);

    /// <summary>Prints the envelope of a result to standard output.</summary>
    public static void Write<T>(string command, string? model, T result, RunManifest? manifest = null) =>
        Write(Envelope(command, model, result, manifest));

    /// <summary>Prints an envelope to standard output.</summary>
    public static void Write<T>(ResultEnvelope<T> envelope) => Console.WriteLine(ResultJson.Serialize(envelope));

    /// <summary>Writes an envelope to a file, atomically.</summary>
    public static void Save<T>(string path, ResultEnvelope<T> envelope) => ResultJson.Save(path, envelope);
}
