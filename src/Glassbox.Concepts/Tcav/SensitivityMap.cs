using Glassbox.Tokenization;

namespace Glassbox.Concepts;

/// <summary>Per-token concept scores of one sentence: each token's activation at a hook projected on a CAV.</summary>
/// <param name="Concept">Concept (or "A vs B" for a relative CAV).</param>
/// <param name="Hook">Hook point.</param>
/// <param name="Tokens">Visible token labels.</param>
/// <param name="Projection">Projection of each token's activation on the unit CAV, minus the mean projection of the
/// counterpart examples (so 0 means "as much as a random example"): [pos].</param>
public sealed record SensitivityMap(
    string Concept,
    string Hook,
    IReadOnlyList<string> Tokens,
    IReadOnlyList<double> Projection
)
{
    /// <summary>Computes the map of <paramref name="text"/> at <paramref name="hook"/> for a CAV fitted on
    /// <paramref name="concept"/> vs <paramref name="counterpart"/> examples.</summary>
    /// <exception cref="InputException">Bad hook or too few examples.</exception>
    public static SensitivityMap Compute(
        ITcavTarget target,
        string text,
        string hook,
        ConceptSet concept,
        ConceptSet counterpart,
        TcavOptions options
    )
    {
        HookActivations.Check(target.Model, hook);
        var hooks = new[] { hook };
        var c = HookActivations.Pooled(target, concept.Examples, hooks, options.Pooling, options.BatchSize)[hook];
        var r = HookActivations.Pooled(target, counterpart.Examples, hooks, options.Pooling, options.BatchSize)[hook];
        var cav = ConceptActivationVector.Fit(c, r, options.Method, options.Seed);
        double baseline = cav.Project(r).Average();
        var (rows, ids) = HookActivations.PerToken(target, text, hook);
        var tok = target.Model.Tokenizer;
        var labels = ids.Select(i =>
                TokenDisplay.Label(
                    tok?.TokenToString(i) ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)
                )
            )
            .ToList();
        return new SensitivityMap(concept.Name, hook, labels, cav.Project(rows).Select(v => v - baseline).ToList());
    }
}
