using System.Globalization;

namespace Glassbox.Concepts;

/// <summary>Random counterpart sets for TCAV, drawn with seeds from a corpus of sentences: word sets (alphabetic
/// tokens) for word-level concepts, sentence sets otherwise, so a CAV separates the concept rather than the form.</summary>
public sealed class RandomConcepts
{
    private readonly IReadOnlyList<string> _sentences;
    private readonly string[] _words;

    /// <summary>Name of the corpus (for reports).</summary>
    public string Corpus { get; }

    /// <summary>Builds the pools from <paramref name="sentences"/>.</summary>
    /// <exception cref="InputException">Fewer than 20 sentences or 20 distinct words.</exception>
    public RandomConcepts(IReadOnlyList<string> sentences, string corpus)
    {
        _sentences = sentences.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).ToList();
        _words = ConceptSet
            .Distinct(
                _sentences
                    .SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Select(w => w.ToLowerInvariant())
                    .Where(w => w.Length > 1 && w.All(char.IsLetter))
            )
            .ToArray();
        Corpus = corpus;
        if (_sentences.Count < 20 || _words.Length < 20)
            throw new InputException(
                $"random corpus '{corpus}' is too small: it needs at least 20 sentences and words"
            );
    }

    /// <summary>The same sentences, with random word sets drawn from <paramref name="words"/> instead of the corpus's
    /// words: a matched null for word concepts (e.g. adjectives in no sentiment lexicon as the counterpart of colour
    /// words, so a CAV cannot separate "adjective" from "word" instead of the concept).</summary>
    /// <param name="words">The word pool.</param>
    /// <param name="name">Its name (for reports).</param>
    /// <param name="examplesPerSet">Examples per random set: the pool must hold at least twice as many, or random sets
    /// would be nearly the same set.</param>
    /// <exception cref="InputException">The pool is too small.</exception>
    public RandomConcepts WithWordPool(IReadOnlyList<string> words, string name, int examplesPerSet)
    {
        var pool = ConceptSet
            .Distinct(words.Select(w => w.Trim().ToLowerInvariant()).Where(w => w.Length > 0))
            .ToArray();
        if (pool.Length < Math.Max(20, 2 * examplesPerSet))
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--random-words: '{name}' has {pool.Length} distinct words; random sets of {examplesPerSet} need at least {Math.Max(20, 2 * examplesPerSet)} (lower --examples)"
                )
            );
        return new RandomConcepts(_sentences, pool, $"{Corpus}; words from {name}");
    }

    private RandomConcepts(IReadOnlyList<string> sentences, string[] words, string corpus)
    {
        _sentences = sentences;
        _words = words;
        Corpus = corpus;
    }

    /// <summary>Random set <paramref name="index"/> of <paramref name="size"/> examples: words or sentences, drawn
    /// without replacement with seed (seed, index).</summary>
    public ConceptSet Draw(int index, int size, bool words, int seed)
    {
        IReadOnlyList<string> pool = words ? _words : _sentences;
        var rng = new Random(unchecked(seed * 7919 + index * 104729 + 17));
        int n = Math.Min(size, pool.Count);
        var idx = Enumerable.Range(0, pool.Count).ToArray();
        for (int i = 0; i < n; i++)
        {
            int j = i + rng.Next(pool.Count - i);
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        return new ConceptSet(
            string.Create(CultureInfo.InvariantCulture, $"random{index}"),
            idx.Take(n).Select(i => pool[i]).ToList(),
            $"random {(words ? "words" : "sentences")} from {Corpus}"
        );
    }
}
