using System.Text.Json;
using Json.Schema;

namespace Glassbox.Tests.Cli;

/// <summary>docs/json/envelope.schema.json, evaluated with JsonSchema.Net (JSON Schema 2020-12), kept in a registry of
/// its own so that tests never share the library's global one.</summary>
internal static class EnvelopeSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path), new BuildOptions { SchemaRegistry = new SchemaRegistry() })
    );

    /// <summary>The schema file in the repository.</summary>
    public static string Path => System.IO.Path.Combine(RepoRoot(), "docs", "json", "envelope.schema.json");

    /// <summary>The folder holding Glassbox.sln, above the test binaries.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Glassbox.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no Glassbox.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The schema violations of <paramref name="value"/>, one line each as "instance path: keyword: message"
    /// (empty when it is valid).</summary>
    public static List<string> Errors(JsonElement value)
    {
        var results = Schema.Value.Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
            return new List<string>();
        var errors = (results.Details ?? new List<EvaluationResults>())
            .Prepend(results)
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return errors.Count > 0 ? errors : new List<string> { "invalid (no details reported)" };
    }
}
