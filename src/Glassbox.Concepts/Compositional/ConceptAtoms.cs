// Why our own code: the atomic concepts of Mu and Andreas (2020, "Compositional Explanations of Neurons") are built
// from UD annotations that Glassbox.Data already reads; no .NET library offers them. The categories follow their
// NLI setup (closed classes: part of speech, features, relations; open class: frequent words), plus word lists,
// lexicons and position, which the issue asks for.
using System.Globalization;
using Glassbox.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Concepts.Compositional;

/// <summary>Options for <see cref="ConceptAtoms.Build"/>.</summary>
public sealed record AtomOptions
{
    /// <summary>Word atoms (<c>word:the</c>) for lower-cased forms seen at least this often. Default 20.</summary>
    public int MinWordCount { get; init; } = 20;

    /// <summary>At most this many word atoms, the most frequent first. Default 100; 0 disables word atoms.</summary>
    public int MaxWords { get; init; } = 100;

    /// <summary>Relative-position bins (<c>pos:bin2/4</c>: word index / sentence length in the second quarter). Default 4.</summary>
    public int PositionBins { get; init; } = 4;

    /// <summary>Atoms true on fewer words than this are dropped (they cannot explain a unit). Default 3.</summary>
    public int MinAtomCount { get; init; } = 3;
}

/// <summary>The atomic concepts of a set of words: one boolean column per atom (true where the word has the
/// concept), in the word order of the rows given to <see cref="ConceptAtoms.Build"/>.</summary>
/// <param name="Names">Atom names, e.g. <c>upos:NOUN</c>, <c>feat:Number=Plur</c>, <c>dep:nsubj</c>,
/// <c>lex:positive</c>, <c>pos:first</c>, <c>word:the</c>.</param>
/// <param name="Categories">Category of each atom (<c>upos</c>, <c>feat</c>, <c>dep</c>, <c>lex</c>, <c>pos</c>,
/// <c>word</c>).</param>
/// <param name="Rows">Per atom, its truth value on every word (length <see cref="Words"/>).</param>
/// <param name="Words">Number of words (rows).</param>
public sealed record AtomSet(
    IReadOnlyList<string> Names,
    IReadOnlyList<string> Categories,
    IReadOnlyList<bool[]> Rows,
    int Words
)
{
    /// <summary>Number of atoms.</summary>
    public int Count => Names.Count;

    /// <summary>Index of an atom by name, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
                return i;
        return -1;
    }

    /// <summary>The atoms as a 0/1 matrix, [atoms, words], float32 on the CPU (the caller disposes it).</summary>
    public Tensor Matrix()
    {
        var flat = new float[(long)Count * Words];
        for (int a = 0; a < Count; a++)
        {
            var row = Rows[a];
            int off = a * Words;
            for (int w = 0; w < Words; w++)
                if (row[w])
                    flat[off + w] = 1f;
        }
        return tensor(flat, new long[] { Count, Words }, ScalarType.Float32); // [atoms, words]
    }
}

/// <summary>Builds the atomic concepts of every word of UD sentences.</summary>
public static class ConceptAtoms
{
    /// <summary>Builds the atoms of the words at <paramref name="rows"/> (sentence index, word index), in that
    /// order (null: every word of every sentence). Atom categories: <c>upos:</c> universal part of speech,
    /// <c>feat:</c> each morphological Feature=Value, <c>dep:</c> the dependency relation (its base, and the full
    /// relation when it has a subtype), <c>lex:</c> each word list of <paramref name="lexicons"/> (matched on the
    /// lower-cased form), <c>pos:</c> first word, last word and relative-position bins, <c>word:</c> frequent
    /// lower-cased forms.</summary>
    /// <exception cref="InputException">No words, or options out of range.</exception>
    public static AtomSet Build(
        IReadOnlyList<ConllSentence> sentences,
        IReadOnlyList<(int Sentence, int Word)>? rows = null,
        IReadOnlyDictionary<string, IReadOnlySet<string>>? lexicons = null,
        AtomOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var o = options ?? new AtomOptions();
        if (o.PositionBins < 1 || o.MinAtomCount < 1 || o.MaxWords < 0 || o.MinWordCount < 1)
            throw new InputException(
                "atom options: position bins, min atom count and min word count must be at least 1"
            );
        var r = rows
            ?? sentences.SelectMany((s, si) => Enumerable.Range(0, s.Words.Count).Select(w => (si, w))).ToArray();
        if (r.Count == 0)
            throw new InputException("no words to build concepts for (empty data)");
        var atoms = new Dictionary<string, (string Category, List<int> Where)>(StringComparer.Ordinal);
        void Add(string category, string name, int row)
        {
            string key = category + ":" + name;
            if (!atoms.TryGetValue(key, out var a))
                atoms[key] = a = (category, new List<int>());
            a.Where.Add(row);
        }
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (s, w) in r)
        {
            string form = sentences[s].Words[w].Form.ToLowerInvariant();
            counts[form] = counts.GetValueOrDefault(form) + 1;
        }
        var frequent = counts
            .Where(kv => kv.Value >= o.MinWordCount)
            .OrderByDescending(kv => kv.Value)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(o.MaxWords)
            .Select(kv => kv.Key)
            .ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < r.Count; i++)
        {
            var (s, wi) = r[i];
            if (s < 0 || s >= sentences.Count || wi < 0 || wi >= sentences[s].Words.Count)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"row {i} names word {wi} of sentence {s}, which does not exist"
                    )
                );
            var words = sentences[s].Words;
            var w = words[wi];
            string form = w.Form.ToLowerInvariant();
            Add("upos", w.Upos, i);
            foreach (var (k, v) in w.Feats)
                Add("feat", k + "=" + v, i);
            int colon = w.Deprel.IndexOf(':', StringComparison.Ordinal);
            Add("dep", colon < 0 ? w.Deprel : w.Deprel[..colon], i);
            if (colon >= 0)
                Add("dep", w.Deprel, i);
            if (lexicons is not null)
                foreach (var (name, set) in lexicons)
                    if (set.Contains(form))
                        Add("lex", name, i);
            if (wi == 0)
                Add("pos", "first", i);
            if (wi == words.Count - 1)
                Add("pos", "last", i);
            int bin = Math.Min(o.PositionBins - 1, wi * o.PositionBins / words.Count);
            if (o.PositionBins > 1)
                Add("pos", string.Create(CultureInfo.InvariantCulture, $"bin{bin + 1}/{o.PositionBins}"), i);
            if (frequent.Contains(form))
                Add("word", form, i);
        }
        var kept = atoms
            .Where(kv => kv.Value.Where.Count >= o.MinAtomCount && kv.Value.Where.Count < r.Count)
            .OrderBy(kv => CategoryRank(kv.Value.Category))
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .ToArray();
        var masks = kept.Select(kv =>
            {
                var m = new bool[r.Count];
                foreach (int i in kv.Value.Where)
                    m[i] = true;
                return m;
            })
            .ToArray();
        return new AtomSet(
            kept.Select(kv => kv.Key).ToArray(),
            kept.Select(kv => kv.Value.Category).ToArray(),
            masks,
            r.Count
        );
    }

    private static int CategoryRank(string c) =>
        c switch
        {
            "upos" => 0,
            "feat" => 1,
            "dep" => 2,
            "lex" => 3,
            "pos" => 4,
            _ => 5,
        };
}
