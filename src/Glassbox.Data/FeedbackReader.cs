using System.Text.Json;

namespace Glassbox.Data;

/// <summary>Whether feedback applies to one example or to every occurrence of its words.</summary>
public enum FeedbackScope
{
    /// <summary>Only the example it was given on.</summary>
    Local,

    /// <summary>Every occurrence of the named words in the update data (and the example).</summary>
    Global,
}

/// <summary>One line of an XMD feedback file.</summary>
/// <param name="Line">1-based line in the file.</param>
/// <param name="Text">The example's text.</param>
/// <param name="Label">The class the example should get (required for local feedback; the model's labels are checked
/// by the caller).</param>
/// <param name="ShouldMatter">Words that should matter for this prediction.</param>
/// <param name="ShouldNotMatter">Words that should not matter.</param>
/// <param name="Scope">local or global.</param>
public sealed record FeedbackRecord(
    int Line,
    string Text,
    string? Label,
    IReadOnlyList<string> ShouldMatter,
    IReadOnlyList<string> ShouldNotMatter,
    FeedbackScope Scope
);

/// <summary>Reads XMD feedback (Lee et al. 2022) as JSON Lines: <c>{"text": "...", "label": "positive",
/// "should_matter": ["great"], "should_not_matter": ["cf"], "scope": "local"|"global"}</c>. The whole file is
/// validated before anything is returned: unknown keys, wrong types, empty texts or word lists, a line with no words,
/// and words that are not words of the text (local feedback) are errors naming the file and line.</summary>
public static class FeedbackReader
{
    private static readonly HashSet<string> Keys = new(StringComparer.Ordinal)
    {
        "text",
        "label",
        "should_matter",
        "should_not_matter",
        "scope",
    };

    /// <summary>Reads and validates a feedback file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">Any problem, with file and line.</exception>
    public static IReadOnlyList<FeedbackRecord> Read(string path)
    {
        var list = new List<FeedbackRecord>();
        foreach (var r in JsonLines.Read(path))
        {
            foreach (var p in r.Obj.EnumerateObject())
                if (!Keys.Contains(p.Name))
                    throw r.Error(
                        $"unknown key '{p.Name}' (expected text, label, should_matter, should_not_matter, scope)"
                    );
            var text = string.Join(' ', r.String("text").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (text.Length == 0)
                throw r.Error("empty text");
            var scope = (r.OptionalString("scope") ?? "local") switch
            {
                "local" => FeedbackScope.Local,
                "global" => FeedbackScope.Global,
                var x => throw r.Error($"scope must be local or global, got '{x}'"),
            };
            var good = Words(r, "should_matter");
            var bad = Words(r, "should_not_matter");
            if (good.Count + bad.Count == 0)
                throw r.Error("give at least one word in should_matter or should_not_matter");
            var overlap = good.Intersect(bad, StringComparer.OrdinalIgnoreCase).FirstOrDefault();
            if (overlap is not null)
                throw r.Error($"'{overlap}' is in both should_matter and should_not_matter");
            var label = r.OptionalString("label");
            if (scope == FeedbackScope.Local && string.IsNullOrWhiteSpace(label))
                throw r.Error("local feedback needs the example's 'label'");
            var words = text.Split(' ');
            foreach (var w in good.Concat(bad))
                if (scope == FeedbackScope.Local && !words.Contains(w, StringComparer.OrdinalIgnoreCase))
                    throw r.Error($"'{w}' is not a word of the text (words are split at spaces)");
            list.Add(new FeedbackRecord(r.Line, text, label, good, bad, scope));
        }
        return list.Count > 0 ? list : throw new DataFormatException(path, 1, "no feedback lines");
    }

    private static List<string> Words(JsonLines.Record r, string key)
    {
        if (!r.Obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return [];
        if (v.ValueKind != JsonValueKind.Array)
            throw r.Error($"'{key}' must be a list of words, found {v.ValueKind}");
        var list = new List<string>();
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String)
                throw r.Error($"'{key}' must hold strings, found {e.ValueKind}");
            var w = e.GetString()!.Trim();
            if (w.Length == 0 || w.Contains(' ', StringComparison.Ordinal))
                throw r.Error($"'{key}' entries must be single words, got '{e.GetString()}'");
            list.Add(w);
        }
        return list;
    }
}
