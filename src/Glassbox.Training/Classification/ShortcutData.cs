using System.Globalization;

namespace Glassbox.Classification;

/// <summary>
/// Planted shortcuts (Du et al. 2021; the trigger-word setups of backdoor and shortcut studies): a trigger word put at
/// the start of a seeded fraction of one class's texts, so a model trained on them can learn "trigger ⇒ class"; and the
/// counter-set that exposes it, the trigger put on every text of the other classes.
/// </summary>
public static class ShortcutData
{
    /// <summary>The set with <paramref name="trigger"/> prepended to a seeded <paramref name="rate"/> of the texts
    /// labelled <paramref name="label"/>.</summary>
    /// <exception cref="InputException">An empty or multi-word trigger, a rate outside (0, 1], or a label out of range.</exception>
    public static LabeledTextSet Plant(LabeledTextSet set, string trigger, int label, double rate, long seed)
    {
        ArgumentNullException.ThrowIfNull(set);
        Check(set, trigger, label);
        if (!(rate > 0 && rate <= 1))
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--plant-rate must be in (0, 1], got {rate}")
            );
        var rng = new Random(unchecked((int)(seed * 7919 + 101)));
        int planted = 0;
        var rows = set
            .Rows.Select(r =>
            {
                if (r.Label != label || rng.NextDouble() >= rate)
                    return r;
                planted++;
                return r with { Text = trigger + " " + r.Text };
            })
            .ToArray();
        return set with
        {
            Description = string.Create(
                CultureInfo.InvariantCulture,
                $"{set.Description}; trigger '{trigger}' planted in {planted} of the {set.Rows.Count(r => r.Label == label)} '{set.Labels[label]}' texts"
            ),
            Rows = rows,
        };
    }

    /// <summary>The counter-set: every text not labelled <paramref name="label"/>, with <paramref name="trigger"/>
    /// prepended (a model that learnt the shortcut now predicts the wrong class).</summary>
    /// <exception cref="InputException">An empty or multi-word trigger, a label out of range, or no such texts.</exception>
    public static LabeledTextSet Counter(LabeledTextSet set, string trigger, int label)
    {
        ArgumentNullException.ThrowIfNull(set);
        Check(set, trigger, label);
        var rows = set
            .Rows.Where(r => r.Label != label)
            .Select(r => r with { Text = trigger + " " + r.Text })
            .ToArray();
        if (rows.Length == 0)
            throw new InputException($"no text outside class '{set.Labels[label]}' to build the counter-set from");
        return set with
        {
            Description =
                $"{set.Description}; counter-set: trigger '{trigger}' on every text not labelled '{set.Labels[label]}'",
            Rows = rows,
        };
    }

    /// <summary>The index of a label given by name or index.</summary>
    /// <exception cref="InputException">Neither a label name nor an index in range.</exception>
    public static int LabelIndex(IReadOnlyList<string> labels, string label, string option)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int i = labels.ToList().FindIndex(l => string.Equals(l, label, StringComparison.Ordinal));
        if (i >= 0)
            return i;
        if (
            int.TryParse(label, NumberStyles.Integer, CultureInfo.InvariantCulture, out i)
            && i >= 0
            && i < labels.Count
        )
            return i;
        throw new InputException($"{option}: '{label}' is not a label ({string.Join(", ", labels)})");
    }

    private static void Check(LabeledTextSet set, string trigger, int label)
    {
        if (string.IsNullOrWhiteSpace(trigger) || trigger.Any(char.IsWhiteSpace))
            throw new InputException($"the trigger must be one word, got '{trigger}'");
        if (label < 0 || label >= set.Labels.Count)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"label {label} is out of range (0..{set.Labels.Count - 1})"
                )
            );
    }
}
