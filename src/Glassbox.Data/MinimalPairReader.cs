namespace Glassbox.Data;

/// <summary>Reads minimal-pair benchmarks stored as JSON Lines: BLiMP (Warstadt et al., 2020) and
/// Marvin &amp; Linzen's targeted syntactic evaluation (converted to JSONL).</summary>
public static class MinimalPairReader
{
    /// <summary>Reads BLiMP pairs: keys <c>sentence_good</c>, <c>sentence_bad</c>, <c>UID</c> (→ Phenomenon)
    /// and <c>linguistics_term</c> (→ Group; the UID when absent).</summary>
    /// <param name="pathOrDir">A BLiMP <c>.jsonl</c> file, or a directory whose every <c>*.jsonl</c> is read (in name order).</param>
    /// <returns>The pairs in file and line order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pathOrDir"/> is null.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="pathOrDir"/>.</exception>
    /// <exception cref="DataFormatException">Malformed JSON, a missing key, an empty sentence, or no pairs at all; the message names file and line.</exception>
    public static IReadOnlyList<MinimalPair> ReadBlimp(string pathOrDir)
    {
        ArgumentNullException.ThrowIfNull(pathOrDir);
        var pairs = new List<MinimalPair>();
        foreach (var file in JsonLines.Files(pathOrDir))
        {
            foreach (var r in JsonLines.Read(file))
            {
                var uid = NonEmpty(r, "UID");
                var group = r.OptionalString("linguistics_term");
                pairs.Add(
                    new MinimalPair(
                        NonEmpty(r, "sentence_good"),
                        NonEmpty(r, "sentence_bad"),
                        uid,
                        string.IsNullOrEmpty(group) ? uid : group
                    )
                );
            }
        }
        if (pairs.Count == 0)
            throw new DataFormatException(pathOrDir, 0, "no minimal pairs");
        return pairs;
    }

    /// <summary>Reads Marvin &amp; Linzen (2018) pairs as converted to JSONL: keys <c>case</c> (→ Phenomenon and Group),
    /// <c>condition</c>, <c>grammatical</c> and <c>ungrammatical</c>. For NPI triples the <c>intrusive</c> sentence is ignored.</summary>
    /// <param name="pathOrDir">One <c>.jsonl</c> file or a directory whose every <c>*.jsonl</c> is read (in name order).</param>
    /// <returns>The pairs in file and line order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pathOrDir"/> is null.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="pathOrDir"/>.</exception>
    /// <exception cref="DataFormatException">Malformed JSON, a missing key, an empty sentence, or no pairs at all; the message names file and line.</exception>
    public static IReadOnlyList<MinimalPair> ReadSyntaxEval(string pathOrDir)
    {
        ArgumentNullException.ThrowIfNull(pathOrDir);
        var pairs = new List<MinimalPair>();
        foreach (var file in JsonLines.Files(pathOrDir))
        {
            foreach (var r in JsonLines.Read(file))
            {
                var c = NonEmpty(r, "case");
                NonEmpty(r, "condition");
                pairs.Add(new MinimalPair(NonEmpty(r, "grammatical"), NonEmpty(r, "ungrammatical"), c, c));
            }
        }
        if (pairs.Count == 0)
            throw new DataFormatException(pathOrDir, 0, "no minimal pairs");
        return pairs;
    }

    private static string NonEmpty(JsonLines.Record r, string key)
    {
        var s = r.String(key);
        if (string.IsNullOrWhiteSpace(s))
            throw r.Error($"key '{key}' is empty");
        return s;
    }
}
