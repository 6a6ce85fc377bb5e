using System.Globalization;
using System.Text.Json;
using Glassbox.Data;
using Glassbox.Loading;

namespace Glassbox.Cli.Commands;

/// <summary>Small JSONL readers for the probe commands (minimal pairs in the --pairs, BLiMP and syneval layouts;
/// cloze facts). Stand-ins until Glassbox.Data's readers land.</summary>
internal static class ProbeJsonl
{
    /// <summary>The .jsonl files of a directory (sorted), or the file itself.</summary>
    public static IReadOnlyList<string> Files(string path, string option)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.jsonl").Order(StringComparer.Ordinal).ToList();
            return files.Count > 0 ? files : throw new InputException($"{option}: no .jsonl files in {path}");
        }
        return File.Exists(path) ? new[] { path } : throw new InputException($"{option}: {path} does not exist");
    }

    /// <summary>Reads every non-blank line of the files as a JSON object and maps it.</summary>
    public static List<T> Read<T>(IEnumerable<string> files, Func<Func<string, string?>, string, T> map)
    {
        var result = new List<T>();
        foreach (var file in files)
        {
            int line = 0;
            foreach (var text in File.ReadLines(file))
            {
                line++;
                if (string.IsNullOrWhiteSpace(text))
                    continue;
                string where = string.Create(CultureInfo.InvariantCulture, $"{file}:{line}");
                JsonDocument doc;
                try
                {
                    doc = JsonDocument.Parse(text);
                }
                catch (JsonException e)
                {
                    throw new InputException($"{where}: not valid JSON ({e.Message})");
                }
                using (doc)
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Object)
                        throw new InputException($"{where}: expected a JSON object");
                    var root = doc.RootElement;
                    string? Get(string key) =>
                        root.TryGetProperty(key, out var v)
                            ? v.ValueKind == JsonValueKind.String
                                ? v.GetString()
                                : v.ToString()
                            : null;
                    result.Add(map(Get, where));
                }
            }
        }
        return result;
    }

    public static string Need(Func<string, string?> get, string key, string where) =>
        get(key) is { Length: > 0 } v ? v : throw new InputException($"{where}: missing \"{key}\"");

    public static List<MinimalPair> Pairs(string path) => Read(Files(path, "--pairs"), (g, w) =>
        {
            var ph = Need(g, "phenomenon", w);
            return new MinimalPair(Need(g, "good", w), Need(g, "bad", w), ph, g("group") ?? ph);
        });

    /// <summary>Cloze facts from a LAMA folder, LAMA facts files or flat facts files (<see cref="LamaReader.ReadFacts"/>).</summary>
    public static ClozeFactSource Facts(string path, string option)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new InputException($"{option}: {path} does not exist");
        if (option == "--lama" && !File.Exists(Path.Combine(path, LamaReader.RelationsFile)))
            throw new InputException($"--lama: {path} is not a LAMA folder (no {LamaReader.RelationsFile} in it)");
        return LamaReader.ReadFacts(path);
    }

    /// <summary>Paraphrases: lines with relation and template keys, grouped by relation in file order.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Paraphrases(string path) =>
        Read(Files(path, "--paraphrases"), (g, w) =>
                (Relation: Need(g, "relation", w), Template: Need(g, "template", w))
            )
            .GroupBy(x => x.Relation)
            .ToDictionary(x => x.Key, x => (IReadOnlyList<string>)x.Select(t => t.Template).Distinct().ToList());

    /// <summary>SHA-256 of each input file, for the manifest.</summary>
    public static Dictionary<string, string> Hashes(IEnumerable<string> files) =>
        files
            .Select(Path.GetFullPath)
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(f => f, f => ModelLoader.HashFiles(new[] { f }), StringComparer.Ordinal);
}
