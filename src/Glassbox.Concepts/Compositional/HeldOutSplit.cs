using System.Globalization;
using Glassbox.Statistics;

namespace Glassbox.Concepts.Compositional;

/// <summary>A seeded split of the words by sentence: formulas are searched on <see cref="Search"/> and their IoU is
/// measured again on <see cref="Held"/>, words of sentences the search never saw (a formula that fits only the words
/// it was chosen on loses IoU there).</summary>
/// <param name="Search">Word rows the beam search sees.</param>
/// <param name="Held">Word rows of the held-out sentences.</param>
internal sealed record HeldOutSplit(int[] Search, int[] Held)
{
    /// <summary>The split holding out <paramref name="fraction"/> of the sentences, or null for 0.</summary>
    /// <exception cref="InputException">A fraction outside [0, 1), or too few sentences to hold any out.</exception>
    public static HeldOutSplit? Of(
        IReadOnlyList<(int Sentence, int Word)> rows,
        int sentences,
        double fraction,
        int seed
    )
    {
        CheckFraction(fraction);
        if (fraction == 0)
            return null;
        int held = (int)Math.Round(sentences * fraction);
        if (held < 1 || held >= sentences)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--held-out {fraction} of {sentences} sentences leaves no sentence on one side; give more sentences or --held-out 0"
                )
            );
        var rng = new Random(Bootstrap.Seed(seed, "held-out"));
        var heldSet = Enumerable.Range(0, sentences).OrderBy(_ => rng.Next()).Take(held).ToHashSet();
        var all = Enumerable.Range(0, rows.Count);
        return new HeldOutSplit(
            all.Where(i => !heldSet.Contains(rows[i].Sentence)).ToArray(),
            all.Where(i => heldSet.Contains(rows[i].Sentence)).ToArray()
        );
    }

    /// <summary>Checks a held-out fraction before any work is done.</summary>
    /// <exception cref="InputException">Outside [0, 1).</exception>
    public static void CheckFraction(double fraction)
    {
        if (!(fraction >= 0 && fraction < 1))
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--held-out must be in [0, 1), got {fraction}")
            );
    }

    /// <summary>The entries of <paramref name="mask"/> at <paramref name="rows"/>.</summary>
    public static bool[] Pick(bool[] mask, int[] rows) => rows.Select(i => mask[i]).ToArray();

    /// <summary>The atoms restricted to <paramref name="rows"/>.</summary>
    public static AtomSet Subset(AtomSet atoms, int[] rows) =>
        new(atoms.Names, atoms.Categories, atoms.Rows.Select(r => Pick(r, rows)).ToArray(), rows.Length);

    /// <summary>The result with the held-out means over the units that fire.</summary>
    public static CompositionalResult Summarise(CompositionalResult result, HeldOutSplit split, CompositionalOptions o)
    {
        var live = result.Units.Where(u => double.IsFinite(u.HeldOutIou)).ToArray();
        Interval? Mean(Func<UnitExplanation, double> f, string name) =>
            live.Length == 0
                ? null
                : Bootstrap.Percentile(
                    live.Select(f).ToArray(),
                    v => v.Average(),
                    o.Resamples,
                    Bootstrap.Seed(o.Seed, name)
                );
        return result with
        {
            HeldOutFraction = o.HeldOut,
            HeldOutWords = split.Held.Length,
            HeldOutBestIou = Mean(u => u.HeldOutIou, "held-best"),
            HeldOutSingleAtomIou = Mean(u => u.HeldOutSingleAtomIou, "held-atom"),
        };
    }
}
