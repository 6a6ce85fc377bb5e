using static TorchSharp.torch;

namespace Glassbox.Concepts.Compositional;

/// <summary>
/// Per-unit open-class atoms (Mu and Andreas 2020 add, for each unit, the words it fires on most): the
/// <c>k</c> most frequent word forms among a unit's firing words that are not already atoms become <c>word:</c>
/// atoms for that unit's search only, on the searched and the held-out words alike.
/// </summary>
/// <param name="SearchForms">Lower-cased form of every searched word row.</param>
/// <param name="HeldForms">Lower-cased form of every held-out word row (null without a split).</param>
/// <param name="K">Words added per unit (0: none).</param>
internal sealed record OpenWordAtoms(string[] SearchForms, string[]? HeldForms, int K)
{
    /// <summary>The forms of the word rows, split like the atoms.</summary>
    public static OpenWordAtoms For(
        IReadOnlyList<Glassbox.Data.ConllSentence> sentences,
        IReadOnlyList<(int First, int Second)> rows,
        HeldOutSplit? split,
        int k
    )
    {
        if (k < 0)
            throw new InputException("--unit-words must be 0 or more");
        var forms = rows.Select(r => sentences[r.First].Words[r.Second].Form.ToLowerInvariant()).ToArray();
        return split is null
            ? new OpenWordAtoms(forms, null, k)
            : new OpenWordAtoms(
                split.Search.Select(i => forms[i]).ToArray(),
                split.Held.Select(i => forms[i]).ToArray(),
                k
            );
    }

    /// <summary>The atoms (and matrix) a unit firing on <paramref name="mask"/> is searched over.</summary>
    public Extended Extend(AtomSet search, Tensor matrix, AtomSet? held, bool[] mask)
    {
        if (K == 0)
            return new Extended(search, matrix, held, false);
        var names = search.Names.ToHashSet(StringComparer.Ordinal);
        var words = Enumerable
            .Range(0, mask.Length)
            .Where(i => mask[i])
            .Select(i => SearchForms[i])
            .Where(f => f.Any(char.IsLetterOrDigit) && !names.Contains("word:" + f))
            .GroupBy(f => f, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(K)
            .Select(g => g.Key)
            .ToList();
        if (words.Count == 0)
            return new Extended(search, matrix, held, false);
        AtomSet With(AtomSet a, string[] forms) =>
            new(
                a.Names.Concat(words.Select(w => "word:" + w)).ToList(),
                a.Categories.Concat(words.Select(_ => "word")).ToList(),
                a.Rows.Concat(words.Select(w => forms.Select(f => f == w).ToArray())).ToList(),
                a.Words
            );
        var s = With(search, SearchForms);
        var rows = new float[words.Count * s.Words];
        for (int k = 0; k < words.Count; k++)
        for (int i = 0; i < s.Words; i++)
            if (SearchForms[i] == words[k])
                rows[k * s.Words + i] = 1f;
        using var extra = tensor(rows, new long[] { words.Count, s.Words }); // [k, words]
        var m = cat(new[] { matrix, extra }, 0); // [atoms + k, words]
        return new Extended(s, m, held is null || HeldForms is null ? held : With(held, HeldForms), true);
    }

    /// <summary>A unit's atoms; disposing frees the matrix when it was made for the unit.</summary>
    public sealed record Extended(AtomSet Search, Tensor Matrix, AtomSet? Held, bool Owned) : IDisposable
    {
        public void Dispose()
        {
            if (Owned)
                Matrix.Dispose();
        }
    }
}
