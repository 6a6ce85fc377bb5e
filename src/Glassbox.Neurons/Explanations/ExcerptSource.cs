namespace Glassbox.Neurons.Explanations;

/// <summary>Where explain-simulate-score gets a unit's excerpts: the in-memory <see cref="ExcerptCollector"/> today,
/// the activation store or an SAE's feature activations later. Implementations return the same excerpts for the same
/// unit every time (scores are reproducible and runs resumable).</summary>
public interface IExcerptSource
{
    /// <summary>The unit's excerpts, split into train (explain) and held-out (simulate and score).</summary>
    /// <exception cref="InputException">The source has no excerpts for <paramref name="unit"/>.</exception>
    UnitExcerpts Excerpts(UnitRef unit);
}

/// <summary>One unit's excerpts with the split of Bills et al. (2023): the explanation is written from the train
/// top-activating excerpts; the simulation is scored on held-out top-activating and held-out random excerpts.</summary>
/// <param name="Unit">The unit.</param>
/// <param name="TrainTop">Top-activating excerpts the explainer reads, highest first.</param>
/// <param name="TrainRandom">Random excerpts the explainer may read as contrast.</param>
/// <param name="HeldOutTop">Top-activating excerpts held out for scoring.</param>
/// <param name="HeldOutRandom">Random excerpts held out for scoring.</param>
/// <param name="Background">Token and n-gram counts of the scanned corpus (null: the offline explainer counts the
/// random excerpts instead).</param>
public sealed record UnitExcerpts(
    UnitRef Unit,
    IReadOnlyList<ActivationExcerpt> TrainTop,
    IReadOnlyList<ActivationExcerpt> TrainRandom,
    IReadOnlyList<ActivationExcerpt> HeldOutTop,
    IReadOnlyList<ActivationExcerpt> HeldOutRandom,
    NgramCounts? Background = null
)
{
    /// <summary>The largest activation over the train top excerpts (the 10 of the 0–10 scale), or 0 when none.</summary>
    public float TrainMax => TrainTop.Count == 0 ? 0 : TrainTop.Max(e => e.Activations.Count == 0 ? 0 : e.Max);

    /// <summary>Held-out excerpts, top then random: what a simulation is scored on.</summary>
    public IReadOnlyList<ActivationExcerpt> HeldOut => HeldOutTop.Concat(HeldOutRandom).ToList();
}

/// <summary>An <see cref="IExcerptSource"/> over excerpts already in memory.</summary>
/// <param name="units">The units and their excerpts.</param>
public sealed class ExcerptSet(IReadOnlyDictionary<UnitRef, UnitExcerpts> units) : IExcerptSource
{
    /// <summary>The units held.</summary>
    public IReadOnlyCollection<UnitRef> Units => units.Keys.ToList();

    /// <inheritdoc/>
    public UnitExcerpts Excerpts(UnitRef unit) =>
        units.TryGetValue(unit, out var e)
            ? e
            : throw new InputException($"no excerpts were collected for unit {unit}");
}

/// <summary>Counts of token n-grams (n = 1..3) of a corpus: the background the offline explainer compares firing
/// tokens against. Keys are the n-gram's tokens joined by <see cref="Separator"/>.</summary>
public sealed class NgramCounts
{
    /// <summary>Joins the tokens of an n-gram key.</summary>
    public const char Separator = '\u241F';

    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly long[] _totals = new long[MaxN + 1];
    private readonly int[] _distinct = new int[MaxN + 1];

    /// <summary>Longest n-gram counted.</summary>
    public const int MaxN = 3;

    /// <summary>Adds every n-gram (n = 1..3) of a token sequence.</summary>
    public void Add(IReadOnlyList<string> tokens)
    {
        for (int p = 0; p < tokens.Count; p++)
        for (int n = 1; n <= MaxN && p - n + 1 >= 0; n++)
        {
            string key = Key(tokens, p, n);
            long c = _counts.GetValueOrDefault(key);
            if (c == 0)
                _distinct[n]++;
            _counts[key] = c + 1;
            _totals[n]++;
        }
    }

    /// <summary>Count of an n-gram key.</summary>
    public long Count(string key) => _counts.GetValueOrDefault(key);

    /// <summary>Number of n-grams of length <paramref name="n"/> counted.</summary>
    public long Total(int n) => _totals[n];

    /// <summary>Number of distinct n-grams of length <paramref name="n"/>.</summary>
    public int Distinct(int n) => _distinct[n];

    /// <summary>The key of the n-gram of <paramref name="n"/> tokens ending at <paramref name="end"/>.</summary>
    public static string Key(IReadOnlyList<string> tokens, int end, int n) =>
        n == 1 ? tokens[end] : string.Join(Separator, Enumerable.Range(end - n + 1, n).Select(i => tokens[i]));

    /// <summary>Counts of every n-gram of the excerpts' tokens.</summary>
    public static NgramCounts Of(IEnumerable<ActivationExcerpt> excerpts)
    {
        var c = new NgramCounts();
        foreach (var e in excerpts)
            c.Add(e.Tokens);
        return c;
    }
}
