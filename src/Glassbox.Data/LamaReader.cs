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
            if (rel.Length == 0)
                throw r.Error("key 'relation' is empty");
            var list = map.TryGetValue(rel, out var l) ? l : map[rel] = [];
            bool any = false;
            if (r.OptionalString("template") is { } t)
            {
                Add(r, list, t);
                any = true;
            }
            if (r.Obj.TryGetProperty("templates", out var arr))
            {
                if (arr.ValueKind != JsonValueKind.Array)
                    throw r.Error("key 'templates' must be an array of strings");
                foreach (var e in arr.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.String)
                        throw r.Error("key 'templates' must be an array of strings");
                    Add(r, list, e.GetString()!);
                    any = true;
                }
            }
            if (!any)
                throw r.Error("missing key 'template'");
        }
        if (map.Count == 0)
            throw new DataFormatException(relationsJsonl, 0, "no relations");
        return map.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.ToArray(), StringComparer.Ordinal);
    }

    private static void Add(JsonLines.Record r, List<string> list, string template)
    {
        if (!template.Contains("[X]", StringComparison.Ordinal) || !template.Contains("[Y]", StringComparison.Ordinal))
            throw r.Error($"template '{template}' must contain [X] and [Y]");
        if (!list.Contains(template))
            list.Add(template);
    }

    /// <summary>Name of LAMA's template file.</summary>
    public const string RelationsFile = "relations.jsonl";

    /// <summary>The sub-folders of a LAMA folder that <see cref="ReadFacts"/> reads: the ones with templated relations
    /// (Squad and ConceptNet have no templates, only masked sentences, and are skipped).</summary>
    public static IReadOnlyList<string> TemplatedSubsets { get; } = ["TREx", "Google_RE"];

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
        var facts = JsonLines
            .Files(factsDir)
            .SelectMany(f => JsonLines.Read(f))
            .Select(r => LamaFact(r, templates, relationsJsonl))
            .ToList();
        if (facts.Count == 0)
            throw new DataFormatException(factsDir, 0, "no facts");
        return facts;
    }

    /// <summary>
    /// Reads cloze facts from whatever <paramref name="path"/> is: (1) a LAMA folder as distributed (it holds
    /// <c>relations.jsonl</c>; the facts of its <see cref="TemplatedSubsets"/> sub-folders are read); (2) LAMA facts files
    /// (a file such as <c>lama/TREx/P20.jsonl</c> or a folder of them), whose templates come from the
    /// <c>relations.jsonl</c> found in the same folder or up to two folders above; or (3) Glassbox's flat format, one
    /// <c>{"relation", "subject", "object", "template"}</c> object per line. Formats may be mixed line by line.
    /// </summary>
    /// <param name="path">A LAMA folder, a facts file, or a folder of <c>*.jsonl</c> facts files.</param>
    /// <returns>The facts and every file read (for hashing into a run manifest).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="DataFormatException">Malformed JSON, a missing key, a LAMA fact with no <c>relations.jsonl</c> to
    /// take its template from, a relation without template, or no facts; the message names file and line.</exception>
    public static ClozeFactSource ReadFacts(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        IReadOnlyList<string> files;
        string? relations;
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, RelationsFile)))
        {
            relations = Path.Combine(path, RelationsFile);
            files = TemplatedSubsets
                .Select(d => Path.Combine(path, d))
                .Where(Directory.Exists)
                .SelectMany(d => Directory.GetFiles(d, "*.jsonl").Order(StringComparer.Ordinal))
                .ToArray();
            if (files.Count == 0)
                throw new DataFormatException(
                    path,
                    0,
                    $"LAMA folder has no facts: expected *.jsonl files in {string.Join(" or ", TemplatedSubsets)}"
                );
        }
        else
        {
            files = JsonLines.Files(path);
            relations = FindRelations(path);
        }
        IReadOnlyDictionary<string, IReadOnlyList<string>>? templates = relations is null
            ? null
            : ReadTemplates(relations);
        var facts = new List<ClozeFact>();
        foreach (var r in files.SelectMany(f => JsonLines.Read(f)))
        {
            if (r.Obj.TryGetProperty("template", out _) && r.Obj.TryGetProperty("subject", out _))
            {
                var t = r.String("template");
                if (!t.Contains("[X]", StringComparison.Ordinal) || !t.Contains("[Y]", StringComparison.Ordinal))
                    throw r.Error($"template '{t}' must contain [X] and [Y]");
                facts.Add(new ClozeFact(NonEmpty(r, "relation"), NonEmpty(r, "subject"), NonEmpty(r, "object"), t));
            }
            else if (r.Obj.TryGetProperty("sub_label", out _))
            {
                if (templates is null)
                    throw r.Error(
                        $"a LAMA fact needs its relation's template, but no {RelationsFile} was found beside {path} or up to two folders above; point at the LAMA folder (e.g. --lama ../shared/data/lama)"
                    );
                facts.Add(LamaFact(r, templates, relations!));
            }
            else
                throw r.Error(
                    "expected a LAMA fact (sub_label, obj_label, predicate_id) or a flat fact (relation, subject, object, template)"
                );
        }
        if (facts.Count == 0)
            throw new DataFormatException(path, 0, "no facts");
        var read = relations is null ? files : files.Prepend(relations).ToArray();
        return new ClozeFactSource(facts, read);
    }

    /// <summary>The <c>relations.jsonl</c> in the folder of <paramref name="path"/> (the folder itself when it is one) or
    /// up to two folders above it, or null.</summary>
    /// <param name="path">A facts file or folder.</param>
    /// <returns>The path of <c>relations.jsonl</c>, or null when there is none.</returns>
    public static string? FindRelations(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var dir = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full).Directory;
        for (int up = 0; up <= 2 && dir is not null; up++, dir = dir.Parent)
        {
            var cand = Path.Combine(dir.FullName, RelationsFile);
            if (File.Exists(cand) && !string.Equals(cand, full, StringComparison.Ordinal))
                return cand;
        }
        return null;
    }

    private static string NonEmpty(JsonLines.Record r, string key) =>
        r.String(key) is { Length: > 0 } v ? v : throw r.Error($"key '{key}' is empty");

    private static ClozeFact LamaFact(
        JsonLines.Record r,
        IReadOnlyDictionary<string, IReadOnlyList<string>> templates,
        string relationsJsonl
    )
    {
        string rel;
        if (r.OptionalString("predicate_id") is { Length: > 0 } pid)
            rel = pid;
        else if (r.OptionalString("pred") is { Length: > 0 } pred)
            rel = pred.TrimEnd('/')[(pred.TrimEnd('/').LastIndexOf('/') + 1)..];
        else
            throw r.Error(
                "missing key: expected 'predicate_id' (T-REx) or 'pred' (Google-RE); Squad and ConceptNet facts have no relation template and are not supported"
            );
        string template;
        if (templates.TryGetValue(rel, out var ts))
            template = ts[0];
        else if (!GoogleReTemplates.TryGetValue(rel, out template!))
            throw r.Error($"relation '{rel}' has no template in {relationsJsonl}");
        var sub = r.String("sub_label");
        var obj = r.String("obj_label");
        if (sub.Length == 0 || obj.Length == 0)
            throw r.Error("empty 'sub_label' or 'obj_label'");
        return new ClozeFact(rel, sub, obj, template);
    }
}

/// <summary>Cloze facts and the files they were read from.</summary>
/// <param name="Facts">The facts, in file and line order.</param>
/// <param name="Files">Every file read, templates included.</param>
public sealed record ClozeFactSource(IReadOnlyList<ClozeFact> Facts, IReadOnlyList<string> Files);
