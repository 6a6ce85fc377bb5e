using System.Text;

namespace Glassbox.Concepts.Compositional;

/// <summary>How a formula grows by one atom (the operators of Mu and Andreas 2020: OR, AND, AND NOT).</summary>
public enum FormulaOp
{
    /// <summary><c>F AND a</c>.</summary>
    And,

    /// <summary><c>F OR a</c>.</summary>
    Or,

    /// <summary><c>F AND NOT a</c>.</summary>
    AndNot,
}

/// <summary>One growth step of a formula: an operator and an atom index.</summary>
public sealed record FormulaStep(FormulaOp Op, int Atom);

/// <summary>A logical formula over atoms as beam search builds it: a first atom, then steps applied left to right,
/// <c>((a op1 b) op2 c)</c>. Its length is its number of atoms.</summary>
/// <param name="First">Index of the first atom.</param>
/// <param name="Steps">The growth steps in order.</param>
public sealed record Formula(int First, IReadOnlyList<FormulaStep> Steps)
{
    /// <summary>Number of atoms.</summary>
    public int Length => Steps.Count + 1;

    /// <summary>A single atom.</summary>
    public static Formula Atom(int atom) => new(atom, Array.Empty<FormulaStep>());

    /// <summary>This formula grown by one step.</summary>
    public Formula Then(FormulaOp op, int atom) => new(First, Steps.Append(new FormulaStep(op, atom)).ToArray());

    /// <summary>Whether the formula already uses an atom.</summary>
    public bool Uses(int atom) => First == atom || Steps.Any(s => s.Atom == atom);

    /// <summary>The formula in words with atom names, e.g. <c>(upos:NOUN AND NOT pos:first)</c>.</summary>
    public string Describe(IReadOnlyList<string> names)
    {
        var sb = new StringBuilder(names[First]);
        foreach (var s in Steps)
        {
            string op = s.Op switch
            {
                FormulaOp.And => " AND ",
                FormulaOp.Or => " OR ",
                _ => " AND NOT ",
            };
            sb.Insert(0, '(').Append(op).Append(names[s.Atom]).Append(')');
        }
        return sb.ToString();
    }

    /// <summary>The formula's truth value on every word, computed word by word (the reference the vectorised
    /// search is checked against).</summary>
    public bool[] Evaluate(AtomSet atoms)
    {
        ArgumentNullException.ThrowIfNull(atoms);
        var m = (bool[])atoms.Rows[First].Clone();
        foreach (var s in Steps)
        {
            var a = atoms.Rows[s.Atom];
            for (int i = 0; i < m.Length; i++)
                m[i] = s.Op switch
                {
                    FormulaOp.And => m[i] && a[i],
                    FormulaOp.Or => m[i] || a[i],
                    _ => m[i] && !a[i],
                };
        }
        return m;
    }
}

/// <summary>Intersection over union and quantile binarisation.</summary>
public static class UnitMasks
{
    /// <summary>|a ∧ b| / |a ∨ b|; 0 when both are empty.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static double Iou(IReadOnlyList<bool> a, IReadOnlyList<bool> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
            throw new ArgumentException("masks differ in length", nameof(b));
        int inter = 0,
            union = 0;
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] && b[i])
                inter++;
            if (a[i] || b[i])
                union++;
        }
        return union == 0 ? 0 : (double)inter / union;
    }

    /// <summary>The (1 − <paramref name="quantile"/>) quantile of the activations (linear interpolation between
    /// order statistics, as numpy's default), and the mask of activations strictly above it: the unit "fires" on
    /// its top <paramref name="quantile"/> fraction (Mu and Andreas binarise at the top 0.5%).</summary>
    /// <exception cref="InputException">Quantile outside (0, 1), no activations, or a non-finite activation.</exception>
    public static (bool[] Mask, double Threshold) Binarise(IReadOnlyList<float> activations, double quantile)
    {
        ArgumentNullException.ThrowIfNull(activations);
        CheckQuantile(quantile);
        if (activations.Count == 0)
            throw new InputException("no activations to binarise (empty data)");
        var sorted = new double[activations.Count];
        for (int i = 0; i < sorted.Length; i++)
        {
            if (!float.IsFinite(activations[i]))
                throw new InputException("a unit activation is not finite (NaN or infinity)");
            sorted[i] = activations[i];
        }
        Array.Sort(sorted);
        double pos = (1 - quantile) * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        double t = lo + 1 < sorted.Length ? sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
        var mask = new bool[activations.Count];
        for (int i = 0; i < mask.Length; i++)
            mask[i] = activations[i] > t;
        return (mask, t);
    }

    /// <summary>Checks a binarisation quantile.</summary>
    /// <exception cref="InputException">Outside (0, 1).</exception>
    public static void CheckQuantile(double quantile)
    {
        if (!(quantile > 0 && quantile < 1))
            throw new InputException(
                FormattableString.Invariant(
                    $"--quantile must be in (0, 1) (the top fraction a unit fires on), got {quantile}"
                )
            );
    }
}
