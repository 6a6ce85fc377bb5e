// Why our own code: the search of Mu and Andreas (2020; jayelm/compexp, nli/code/analyze.py) re-implemented, with the
// IoU of every (beam formula, operator, atom) candidate of one step computed at once: for 0/1 vectors every count
// the IoUs need is a dot product, so one matrix product atoms [m, n] × [n, 3·beam] scores the whole step
// (compexp evaluates candidates one by one). Same procedure: start from the single atoms, keep the best `beam`,
// grow each by OR / AND / AND NOT with every atom, merge with the old beam, trim, up to the maximum length.
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Concepts.Compositional;

/// <summary>Options of <see cref="BeamSearch"/>.</summary>
public sealed record BeamOptions
{
    /// <summary>Maximum formula length in atoms. Default 3 (compexp's NLI runs use 5; 3 is the default).</summary>
    public int MaxLength { get; init; } = 3;

    /// <summary>Beam size. Default 10 (as compexp).</summary>
    public int Beam { get; init; } = 10;

    /// <summary>Score candidates with per-word loops instead of one matrix product per step (the reference and
    /// benchmark baseline; same results).</summary>
    public bool PerWordLoops { get; init; }
}

/// <summary>A formula and its IoU with a unit's mask.</summary>
public sealed record ScoredFormula(Formula Formula, string Text, double Iou);

/// <summary>Result of one search.</summary>
/// <param name="Best">The best formula found (any length).</param>
/// <param name="BestSingleAtom">The best single atom.</param>
/// <param name="BestByLength">Best formula of each length 1..max (index 0 = length 1).</param>
/// <param name="FormulasScored">How many candidate formulas were scored.</param>
public sealed record BeamResult(
    ScoredFormula Best,
    ScoredFormula BestSingleAtom,
    IReadOnlyList<ScoredFormula> BestByLength,
    long FormulasScored
);

/// <summary>Beam search for the formula over atoms whose truth values best match (IoU) a unit's binary mask.</summary>
public static class BeamSearch
{
    private static readonly FormulaOp[] Ops = { FormulaOp.Or, FormulaOp.And, FormulaOp.AndNot };

    /// <summary>Searches formulas explaining <paramref name="unit"/> (one bool per word, same order as the atoms).
    /// <paramref name="atomMatrix"/> is <see cref="AtomSet.Matrix"/> [atoms, words] (pass it to reuse it across
    /// units; null builds it).</summary>
    /// <exception cref="InputException">Bad options, no atoms, or a mask of the wrong length.</exception>
    public static BeamResult Search(AtomSet atoms, bool[] unit, BeamOptions? options = null, Tensor? atomMatrix = null)
    {
        ArgumentNullException.ThrowIfNull(atoms);
        ArgumentNullException.ThrowIfNull(unit);
        var o = options ?? new BeamOptions();
        if (o.MaxLength < 1)
            throw new InputException("--max-length must be at least 1");
        if (o.Beam < 1)
            throw new InputException("--beam must be at least 1");
        if (atoms.Count == 0)
            throw new InputException("no atomic concepts to search over");
        if (unit.Length != atoms.Words)
            throw new InputException("the unit mask and the atoms cover different numbers of words");
        using var scope = NewDisposeScope();
        var a = atomMatrix ?? atoms.Matrix(); // [m, n]
        var u = tensor(unit.Select(b => b ? 1f : 0f).ToArray()); // [n]
        int m = atoms.Count;
        double sU = unit.Count(b => b);
        var aSum = a.sum(dim: 1).to(ScalarType.Float64).data<double>().ToArray(); // [m]
        var aU = a.matmul(u).to(ScalarType.Float64).data<double>().ToArray(); // [m]
        long scored = m;
        var candidates = new List<(Formula F, double Iou)>(m);
        for (int i = 0; i < m; i++)
            candidates.Add((Formula.Atom(i), Ratio(aU[i], aSum[i] + sU - aU[i])));
        var best = new (Formula F, double Iou)?[o.MaxLength];
        best[0] = Top(candidates, 1)[0];
        var beam = Top(candidates, o.Beam);
        for (int len = 2; len <= o.MaxLength; len++)
        {
            var masks = beam.Select(b => Mask(atoms, b.F)).ToArray();
            double[,,] iou = o.PerWordLoops ? ScoreLoops(atoms, unit, masks) : ScoreMatrix(a, u, sU, aSum, aU, masks);
            var grown = new List<(Formula F, double Iou)>();
            for (int b = 0; b < beam.Count; b++)
            for (int k = 0; k < Ops.Length; k++)
            for (int j = 0; j < m; j++)
                if (!beam[b].F.Uses(j))
                    grown.Add((beam[b].F.Then(Ops[k], j), iou[b, k, j]));
            scored += grown.Count;
            foreach (var g in grown)
                if (best[g.F.Length - 1] is not { } cur || Better(g, cur))
                    best[g.F.Length - 1] = g;
            beam = Top(beam.Concat(grown).ToList(), o.Beam);
        }
        ScoredFormula S((Formula F, double Iou) x) => new(x.F, x.F.Describe(atoms.Names), x.Iou);
        var byLength = best.Where(b => b is not null).Select(b => S(b!.Value)).ToArray();
        var overall = byLength.Aggregate((x, y) => y.Iou > x.Iou ? y : x);
        return new BeamResult(overall, byLength[0], byLength, scored);
    }

    private static double Ratio(double inter, double union) => union <= 0 ? 0 : inter / union;

    private static bool Better((Formula F, double Iou) x, (Formula F, double Iou) y) =>
        x.Iou > y.Iou || (x.Iou == y.Iou && x.F.Length < y.F.Length);

    /// <summary>Top k by IoU; ties go to the shorter formula, then to the earlier one (stable).</summary>
    private static List<(Formula F, double Iou)> Top(List<(Formula F, double Iou)> xs, int k) =>
        xs.Select((x, i) => (x, i))
            .OrderByDescending(p => p.x.Iou)
            .ThenBy(p => p.x.F.Length)
            .ThenBy(p => p.i)
            .Take(k)
            .Select(p => p.x)
            .ToList();

    private static bool[] Mask(AtomSet atoms, Formula f) => f.Evaluate(atoms);

    /// <summary>IoU of every (beam formula b, operator k, atom j), [beam, 3, m], from one product A · [F | F∧U | F∨U].
    /// With counts aF = |a∧F|, aFU = |a∧F∧U|, aFvU = |a∧(F∨U)|: AND: aFU / (aF + |U| − aFU); OR: (|F∧U| + |a∧U| − aFU)
    /// / (|F∨U| + |a| − aFvU); AND NOT: (|F∧U| − aFU) / (|F| − aF + |U| − |F∧U| + aFU).</summary>
    private static double[,,] ScoreMatrix(Tensor a, Tensor u, double sU, double[] aSum, double[] aU, bool[][] masks)
    {
        using var scope = NewDisposeScope();
        int beam = masks.Length,
            m = aSum.Length;
        var f = stack(masks.Select(x => tensor(x.Select(b => b ? 1f : 0f).ToArray())).ToArray(), 1); // [n, beam]
        var fu = f.mul(u.unsqueeze(1)); // [n, beam]
        var fvu = f.Plus(u.unsqueeze(1)).sub(fu); // [n, beam]
        var r = a.matmul(cat(new[] { f, fu, fvu }, 1)).to(ScalarType.Float64).data<double>().ToArray(); // [m, 3·beam]
        var sF = f.sum(dim: 0).to(ScalarType.Float64).data<double>().ToArray();
        var sFU = fu.sum(dim: 0).to(ScalarType.Float64).data<double>().ToArray();
        var sFvU = fvu.sum(dim: 0).to(ScalarType.Float64).data<double>().ToArray();
        var iou = new double[beam, 3, m];
        int w = 3 * beam;
        for (int b = 0; b < beam; b++)
        for (int j = 0; j < m; j++)
        {
            double aF = r[j * w + b],
                aFU = r[j * w + beam + b],
                aFvU = r[j * w + 2 * beam + b];
            iou[b, 0, j] = Ratio(sFU[b] + aU[j] - aFU, sFvU[b] + aSum[j] - aFvU); // OR
            iou[b, 1, j] = Ratio(aFU, aF + sU - aFU); // AND
            iou[b, 2, j] = Ratio(sFU[b] - aFU, sF[b] - aF + sU - sFU[b] + aFU); // AND NOT
        }
        return iou;
    }

    /// <summary>The same scores, one candidate at a time, word by word (reference and benchmark baseline).</summary>
    private static double[,,] ScoreLoops(AtomSet atoms, bool[] unit, bool[][] masks)
    {
        var iou = new double[masks.Length, 3, atoms.Count];
        for (int b = 0; b < masks.Length; b++)
        for (int k = 0; k < 3; k++)
        for (int j = 0; j < atoms.Count; j++)
        {
            var f = masks[b];
            var a = atoms.Rows[j];
            int inter = 0,
                union = 0;
            for (int i = 0; i < unit.Length; i++)
            {
                bool x = k switch
                {
                    0 => f[i] || a[i],
                    1 => f[i] && a[i],
                    _ => f[i] && !a[i],
                };
                if (x && unit[i])
                    inter++;
                if (x || unit[i])
                    union++;
            }
            iou[b, k, j] = Ratio(inter, union);
        }
        return iou;
    }
}
