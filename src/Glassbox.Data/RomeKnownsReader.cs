using System.Globalization;
using System.Text.Json;

namespace Glassbox.Data;

/// <summary>One fact of ROME's <c>known_1000.json</c> (Meng et al., 2022).</summary>
/// <param name="KnownId">The record's <c>known_id</c>.</param>
/// <param name="Subject">Subject as it appears in the prompt, e.g. "Vinson Massif".</param>
/// <param name="Attribute">Expected object, e.g. "Antarctica".</param>
/// <param name="Template">Relation template with <c>{}</c> for the subject.</param>
/// <param name="Prediction">GPT-2 XL's greedy continuation (may be empty).</param>
/// <param name="Prompt">The prompt text, e.g. "Vinson Massif is located in the continent of".</param>
/// <param name="RelationId">Wikidata relation, e.g. P30.</param>
public sealed record RomeKnownFact(
    int KnownId,
    string Subject,
    string Attribute,
    string Template,
    string Prediction,
    string Prompt,
    string RelationId
);

/// <summary>Reads ROME's known-facts set (one JSON array of objects with <c>known_id</c>, <c>subject</c>,
/// <c>attribute</c>, <c>template</c>, <c>prediction</c>, <c>prompt</c>, <c>relation_id</c>), found at
/// <c>shared/data/rome-knowns/known_1000.json</c>.</summary>
public static class RomeKnownsReader
{
    /// <summary>The shared copy, or null when absent.</summary>
    public static string? DefaultPath => SharedData.File("rome-knowns", "known_1000.json");

    /// <summary>Reads every fact in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">Malformed JSON, not an array, a missing or mistyped key, a prompt that
    /// does not contain its subject, or no facts; the message names the file and the record index.</exception>
    public static IReadOnlyList<RomeKnownFact> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"file not found: {path}", path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, (int)(e.LineNumber ?? -1) + 1, $"malformed JSON: {e.Message}", e);
        }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(path, 0, "expected a JSON array of facts");
        var facts = new List<RomeKnownFact>();
        int i = 0;
        foreach (var o in doc.RootElement.EnumerateArray())
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"{path} record {i}");
            if (o.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(where, 0, $"expected an object, found {o.ValueKind}");
            var r = new JsonLines.Record(where, 0, o);
            int id =
                o.TryGetProperty("known_id", out var k)
                && k.ValueKind == JsonValueKind.Number
                && k.TryGetInt32(out int kv)
                    ? kv
                    : i;
            var fact = new RomeKnownFact(
                id,
                r.String("subject"),
                r.String("attribute"),
                r.OptionalString("template") ?? "",
                r.OptionalString("prediction") ?? "",
                r.String("prompt"),
                r.OptionalString("relation_id") ?? ""
            );
            if (fact.Subject.Length == 0 || !fact.Prompt.Contains(fact.Subject, StringComparison.Ordinal))
                throw new DataFormatException(
                    where,
                    0,
                    $"prompt '{fact.Prompt}' does not contain subject '{fact.Subject}'"
                );
            facts.Add(fact);
            i++;
        }
        if (facts.Count == 0)
            throw new DataFormatException(path, 0, "no facts");
        return facts;
    }
}
