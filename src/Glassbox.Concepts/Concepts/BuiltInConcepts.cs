// Built-in concept sets from the shared data folder. "Adjective" has no list of its own there, so a word counts as an
// adjective when UD English EWT (dev) tags most of its occurrences ADJ; sentiment adjectives must also agree in sign
// with VADER where VADER rates them, and neutral adjectives appear in neither lexicon (nor VADER, nor the colour list).
using System.Text;

namespace Glassbox.Concepts;

/// <summary>The concept sets Glassbox ships: sentiment adjectives, neutral adjectives, colour words (a control that
/// should not matter for sentiment) and the SST-2 / TinyStories corpora used for random counterparts.</summary>
public static class BuiltInConcepts
{
    /// <summary>Positive opinion adjectives (Hu &amp; Liu ∩ EWT adjectives, VADER mean &gt; 0 where rated).</summary>
    public const string PositiveAdjectives = "positive-adjectives";

    /// <summary>Negative opinion adjectives (Hu &amp; Liu ∩ EWT adjectives, VADER mean &lt; 0 where rated).</summary>
    public const string NegativeAdjectives = "negative-adjectives";

    /// <summary>EWT adjectives seen at least twice that no sentiment lexicon lists.</summary>
    public const string NeutralWords = "neutral-words";

    /// <summary>Colour words (generated in code): a control concept.</summary>
    public const string ColourWords = "colour-words";

    /// <summary>Every built-in name.</summary>
    public static IReadOnlyList<string> Names { get; } =
        new[] { PositiveAdjectives, NegativeAdjectives, NeutralWords, ColourWords };

    /// <summary>The control list: basic and common colour terms.</summary>
    public static IReadOnlyList<string> Colours { get; } =
        new[]
        {
            "red",
            "orange",
            "yellow",
            "green",
            "blue",
            "purple",
            "pink",
            "brown",
            "grey",
            "gray",
            "black",
            "white",
            "violet",
            "indigo",
            "turquoise",
            "teal",
            "cyan",
            "magenta",
            "maroon",
            "navy",
            "beige",
            "tan",
            "olive",
            "lavender",
            "crimson",
            "scarlet",
            "amber",
            "ivory",
            "khaki",
            "lilac",
            "mauve",
            "ochre",
            "azure",
            "emerald",
        };

    /// <summary>True when <paramref name="name"/> is a built-in concept (case-insensitive, '_' and ' ' as '-').</summary>
    public static bool IsBuiltIn(string name) => Names.Contains(Normalize(name));

    /// <summary>Loads a built-in set from <paramref name="dataRoot"/> (the shared data folder).</summary>
    /// <exception cref="InputException">Unknown name, or a needed data file is missing.</exception>
    public static ConceptSet Load(string name, string? dataRoot)
    {
        string n = Normalize(name);
        if (n == ColourWords)
            return new ConceptSet(n, Colours, "colour terms listed in code");
        if (!Names.Contains(n))
            throw new InputException(
                $"--concept: '{name}' is neither a built-in concept ({string.Join(", ", Names)}) nor a file"
            );
        var adjectives = EwtAdjectives(dataRoot, out var counts);
        var positive = Lexicon(dataRoot, "positive-words.txt");
        var negative = Lexicon(dataRoot, "negative-words.txt");
        var vader = Vader(dataRoot);
        IEnumerable<string> words = n switch
        {
            PositiveAdjectives => adjectives.Where(w =>
                positive.Contains(w) && !negative.Contains(w) && (!vader.TryGetValue(w, out var v) || v > 0)
            ),
            NegativeAdjectives => adjectives.Where(w =>
                negative.Contains(w) && !positive.Contains(w) && (!vader.TryGetValue(w, out var v) || v < 0)
            ),
            _ => adjectives.Where(w =>
                !positive.Contains(w)
                && !negative.Contains(w)
                && !vader.ContainsKey(w)
                && !Colours.Contains(w)
                && counts[w] >= 2
                && w.Length > 2
                && w.All(char.IsLetter)
            ),
        };
        string how =
            n == NeutralWords
                ? "EWT dev adjectives (majority UPOS ADJ, seen twice or more) in no sentiment lexicon"
                : "Hu & Liu opinion lexicon ∩ EWT dev adjectives (majority UPOS ADJ), sign agreeing with VADER";
        return new ConceptSet(n, words.Order(StringComparer.Ordinal).ToList(), how);
    }

    /// <summary>SST-2 training sentences (the default random corpus), or TinyStories lines when SST-2 is absent.</summary>
    /// <exception cref="InputException">Neither corpus is in <paramref name="dataRoot"/>.</exception>
    public static RandomConcepts RandomCorpus(string? dataRoot, int maxSentences = 20000)
    {
        string? sst = Find(dataRoot, "sst2", "train.tsv");
        if (sst is not null)
            return new RandomConcepts(Sst2(sst).Select(r => r.Text).Take(maxSentences).ToList(), "SST-2 train");
        string? stories = Find(dataRoot, "tinystories", "tinystories_sample.txt");
        if (stories is not null)
            return new RandomConcepts(
                File.ReadLines(stories).Where(l => l.Length > 0).Take(maxSentences).ToList(),
                "TinyStories sample"
            );
        throw new InputException("random concepts need sst2/train.tsv or tinystories/ in the shared data folder");
    }

    /// <summary>The rows of an SST-2 TSV file (header <c>sentence, label</c>).</summary>
    /// <exception cref="InputException">A row without a 0/1 label.</exception>
    public static IReadOnlyList<(string Text, int Label)> Sst2(string path)
    {
        var rows = new List<(string, int)>();
        int line = 0;
        foreach (var l in File.ReadLines(path))
        {
            line++;
            if (line == 1 || l.Length == 0)
                continue;
            int tab = l.LastIndexOf('\t');
            if (tab < 0 || l[(tab + 1)..] is not ("0" or "1"))
                throw new InputException(
                    string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"{path} line {line}: expected 'sentence<TAB>0|1'"
                    )
                );
            rows.Add((l[..tab].Trim(), l[^1] - '0'));
        }
        return rows;
    }

    /// <summary>A file under the data root, or null.</summary>
    public static string? Find(string? dataRoot, params string[] parts)
    {
        if (dataRoot is null)
            return null;
        string p = Path.Combine(new[] { dataRoot }.Concat(parts).ToArray());
        return File.Exists(p) ? p : null;
    }

    private static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace('_', '-').Replace(' ', '-');

    private static string Need(string? root, params string[] parts) =>
        Find(root, parts)
        ?? throw new InputException(
            $"built-in concepts need {string.Join('/', parts)} in the shared data folder ({root ?? "not found"})"
        );

    private static List<string> EwtAdjectives(string? root, out Dictionary<string, int> counts)
    {
        var tags = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Need(root, "ud-english-ewt", "en_ewt-ud-dev.conllu")))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var f = line.Split('\t');
            if (
                f.Length < 4
                || f[0].Contains('-', StringComparison.Ordinal)
                || f[0].Contains('.', StringComparison.Ordinal)
            )
                continue;
            string w = f[1].ToLowerInvariant();
            if (!tags.TryGetValue(w, out var t))
                tags[w] = t = new Dictionary<string, int>(StringComparer.Ordinal);
            t[f[3]] = t.GetValueOrDefault(f[3]) + 1;
        }
        counts = tags.ToDictionary(kv => kv.Key, kv => kv.Value.Values.Sum(), StringComparer.Ordinal);
        return tags.Where(kv => kv.Value.GetValueOrDefault("ADJ") * 2 > kv.Value.Values.Sum())
            .Select(kv => kv.Key)
            .ToList();
    }

    private static HashSet<string> Lexicon(string? root, string file) =>
        File.ReadLines(Need(root, "opinion-lexicon-hu-liu", file), Encoding.Latin1)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && l[0] != ';')
            .ToHashSet(StringComparer.Ordinal);

    private static Dictionary<string, double> Vader(string? root)
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Need(root, "vader", "vader_lexicon.txt")))
        {
            var f = line.Split('\t');
            if (
                f.Length >= 2
                && double.TryParse(
                    f[1],
                    System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out var v
                )
            )
                d[f[0]] = v;
        }
        return d;
    }
}
