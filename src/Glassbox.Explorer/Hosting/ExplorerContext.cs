using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Hosting;

/// <summary>What every endpoint group and page shares: the options, the model, the jobs and the path guard.</summary>
/// <param name="Options">Start-up options.</param>
/// <param name="Host">The shared model.</param>
/// <param name="Jobs">Background jobs.</param>
/// <param name="Paths">The files requests may open.</param>
public sealed record ExplorerContext(ExplorerOptions Options, ModelHost Host, JobManager Jobs, PathGuard Paths)
{
    /// <summary>The model's display name.</summary>
    public string ModelName => Host.Model.Name;

    /// <summary>An envelope (the same JSON as <c>--json</c>) as an HTTP result.</summary>
    public static IResult Envelope<T>(string command, string? model, T result, RunManifest? manifest = null) =>
        Json(JsonSerializer.Serialize(ResultEnvelope.Create(command, model, result, manifest), Compact));

    /// <summary>The result-file JSON settings without indentation (attention patterns are large).</summary>
    public static JsonSerializerOptions Compact { get; } = new(ResultJson.Options) { WriteIndented = false };

    /// <summary>Serialised JSON as an HTTP result.</summary>
    public static IResult Json(string json) => Results.Text(json, "application/json; charset=utf-8");

    /// <summary>A one-line error as <c>{"error": ...}</c>.</summary>
    public static IResult Error(string message, int status = StatusCodes.Status400BadRequest) =>
        Results.Text(
            JsonSerializer.Serialize(new { error = message }, Compact),
            "application/json; charset=utf-8",
            null,
            status
        );
}
