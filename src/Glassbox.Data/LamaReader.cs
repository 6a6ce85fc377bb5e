using System.Text.Json;

namespace Glassbox.Data;

/// <summary>Reads the LAMA probe (Petroni et al., 2019): relation templates from <c>relations.jsonl</c> and facts
/// from T-REx (<c>predicate_id</c>) or Google-RE (<c>pred</c>) JSONL files, as <see cref="ClozeFact"/>s.</summary>
public static class LamaReader
{
    /// <summary>Templates LAMA uses for Google-RE relations (they are not in <c>relations.jsonl</c>; from LAMA's run_experiments.py).</summary>
    private static readonly Dictionary<string, string> GoogleReTemplates = new(StringComparer.Ordinal)
    {
        ["place_of_birth"] = "[X] was born in [Y] .",
        ["date_of_birth"] = "[X] (born [Y]).",
        ["place_of_death"] = "[X] died in [Y] .",
    };

    /// <summary>Reads every template per relation id. A relation may appear on several lines (paraphrases), and a
    /// line may also carry a <c>templates</c> array; LAMA's own file has one <c>template</c> per relation.
    /// Templates must contain both <c>[X]</c> and <c>[Y]</c>.</summary>
    /// <param name="relationsJsonl">Path of <c>relations.jsonl</c>.</param>
    /// <returns>Relation id → templates (first is the main one), in file order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="relationsJsonl"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">Malformed JSON, a missing key, a template without [X]/[Y], or no relations; the message names file and line.</exception>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadTemplates(string relationsJsonl)
    {
        ArgumentNullException.ThrowIfNull(relationsJsonl);
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var r in JsonLines.Read(relationsJsonl))
        {
            var rel = r.String("relation");
            if (rel.Length == 0) throw r.Error("key 'relation' is empty");
            var list = map.TryGetValue(rel, out var l) ? l : map[rel] = [];
            bool any = false;
            if (r.OptionalString("template") is { } t) { Add(r, list, t); any = true; }
            if (r.Obj.TryGetProperty("templates", out var arr))
            {
                if (arr.ValueKind != JsonValueKind.Array) throw r.Error("key 'templates' must be an array of strings");
                foreach (var e in arr.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.String) throw r.Error("key 'templates' must be an array of strings");
                    Add(r, list, e.GetString()!);
                    any = true;
                }
            }
            if (!any) throw r.Error("missing key 'template'");
        }
        if (map.Count == 0) throw new DataFormatException(relationsJsonl, 0, "no relations");
        return map.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.ToArray(), StringComparer.Ordinal);
    }

    private static void Add(JsonLines.Record r, List<string> list, string template)
    {
        if (!template.Contains("[X]", StringComparison.Ordinal) || !template.Contains("[Y]", StringComparison.Ordinal))
            throw r.Error($"template '{template}' must contain [X] and [Y]");
        if (!list.Contains(template)) list.Add(template);
    }

    /// <summary>Reads facts and pairs each with its relation's main template. T-REx facts name the relation in
    /// <c>predicate_id</c> (e.g. P20); Google-RE facts in <c>pred</c> (e.g. <c>/people/deceased_person/place_of_death</c>,
    /// whose last segment is the relation, with LAMA's built-in Google-RE template when relations.jsonl lacks it).
    /// Subject and object come from <c>sub_label</c> and <c>obj_label</c>.</summary>
    /// <param name="relationsJsonl">Path of LAMA's <c>relations.jsonl</c>.</param>
    /// <param name="factsDir">A facts <c>.jsonl</c> file, or a directory whose every <c>*.jsonl</c> is read (e.g. <c>lama/TREx</c>).</param>
    /// <returns>One fact per record, in file and line order.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="FileNotFoundException">A file or directory does not exist.</exception>
    /// <exception cref="DataFormatException">Malformed JSON, a missing key, a relation without template, or no facts; the message names file and line.</exception>
    public static IReadOnlyList<ClozeFact> Read(string relationsJsonl, string factsDir)
    {
        ArgumentNullException.ThrowIfNull(relationsJsonl);
        ArgumentNullException.ThrowIfNull(factsDir);
        var templates = ReadTemplates(relationsJsonl);
        var facts = new List<ClozeFact>();
        foreach (var file in JsonLines.Files(factsDir))
        {
            foreach (var r in JsonLines.Read(file))
            {
                string rel;
                if (r.OptionalString("predicate_id") is { Length: > 0 } pid) rel = pid;
                else if (r.OptionalString("pred") is { Length: > 0 } pred) rel = pred.TrimEnd('/')[(pred.TrimEnd('/').LastIndexOf('/') + 1)..];
                else throw r.Error("missing key: expected 'predicate_id' (T-REx) or 'pred' (Google-RE)");
                string template;
                if (templates.TryGetValue(rel, out var ts)) template = ts[0];
                else if (!GoogleReTemplates.TryGetValue(rel, out template!))
                    throw r.Error($"relation '{rel}' has no template in {relationsJsonl}");
                var sub = r.String("sub_label");
                var obj = r.String("obj_label");
                if (sub.Length == 0 || obj.Length == 0) throw r.Error("empty 'sub_label' or 'obj_label'");
                facts.Add(new ClozeFact(rel, sub, obj, template));
            }
        }
        if (facts.Count == 0) throw new DataFormatException(factsDir, 0, "no facts");
        return facts;
    }
}
