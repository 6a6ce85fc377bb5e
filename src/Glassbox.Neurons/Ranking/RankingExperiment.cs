using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Tokenization;

namespace Glassbox.Neurons;

/// <summary>Options of <see cref="RankingExperiment"/>.</summary>
public sealed record RankingExperimentOptions
{
    /// <summary>Ranking methods to run; each gets its own verification.</summary>
    public IReadOnlyList<RankingMethod> Methods { get; init; } = [RankingMethod.Probe];

    /// <summary>Ranking options.</summary>
    public RankingOptions Ranking { get; init; } = new();

    /// <summary>Verification options.</summary>
    public VerificationOptions Verification { get; init; } = new();

    /// <summary>Subword pooling for words.</summary>
    public Pooling Pooling { get; init; } = Pooling.First;

    /// <summary>Token sequences for the LM-loss ablation (causal LMs only); null or empty skips it.</summary>
    public IReadOnlyList<IReadOnlyList<int>>? LmSequences { get; init; }

    /// <summary>k values of the LM-loss ablation (a few: each costs a pass over the sequences per draw).</summary>
    public IReadOnlyList<int> LmKs { get; init; } = [10, 50];

    /// <summary>Units listed per ranking in the result.</summary>
    public int TopUnits { get; init; } = 20;
}

/// <summary>One method's ranking with everything that backs it.</summary>
/// <param name="Method">Ranking method.</param>
/// <param name="Note">What the method chose along the way.</param>
/// <param name="Top">The top units: unit (e.g. <c>3.17</c>), the class it is most tied to, and its score.</param>
/// <param name="Order">Every unit index, most relevant first.</param>
/// <param name="Verification">Restricted probes, control task and probe ablations.</param>
/// <param name="LmAblation">LM-loss ablation (null for encoders or when not asked for).</param>
public sealed record MethodRanking(
    RankingMethod Method,
    string Note,
    IReadOnlyList<RankedUnit> Top,
    int[] Order,
    VerificationResult Verification,
    IReadOnlyList<LmAblationPoint>? LmAblation
);

/// <summary>One ranked unit.</summary>
/// <param name="Rank">0-based rank.</param>
/// <param name="Unit">The unit as <see cref="UnitRef"/> prints it.</param>
/// <param name="Index">Index on the hook's unit axis.</param>
/// <param name="Class">Label it is most tied to.</param>
/// <param name="Score">Method score.</param>
public sealed record RankedUnit(int Rank, string Unit, int Index, string Class, double Score);

/// <summary>Result of ranking the units of one hook for one property.</summary>
/// <param name="Hook">Hook.</param>
/// <param name="Task">Property (e.g. UPOS).</param>
/// <param name="Classes">Labels.</param>
/// <param name="TrainRows">Training words.</param>
/// <param name="TestRows">Test words.</param>
/// <param name="Methods">Per method, ranking and verification.</param>
/// <param name="Agreement">Jaccard overlap of the top-k sets of each pair of methods ("a|b" → overlap), k = 20.</param>
public sealed record RankingExperimentResult(
    string Hook,
    string Task,
    IReadOnlyList<string> Classes,
    int TrainRows,
    int TestRows,
    IReadOnlyList<MethodRanking> Methods,
    IReadOnlyDictionary<string, double> Agreement
);

/// <summary>Ranks the units of a hook for a word-level property and verifies every ranking.</summary>
public static class RankingExperiment
{
    /// <summary>Runs ranking and verification; <paramref name="label"/> maps a word to its label (null skips it).</summary>
    /// <exception cref="InputException">Bad hook, data or options.</exception>
    public static RankingExperimentResult Run(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> train,
        IReadOnlyList<ConllSentence> test,
        string hook,
        string task,
        Func<ConllWord, string?> label,
        RankingExperimentOptions? options = null,
        Action<string>? status = null,
        Action<int, int>? progress = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = options ?? new RankingExperimentOptions();
        if (o.Methods.Count == 0)
            throw new InputException("no ranking method given");
        status?.Invoke("extracting unit activations");
        using var data = LabelledUnits.FromTreebank(model, train, test, hook, label, o.Pooling, progress);
        var methods = new List<MethodRanking>();
        foreach (var method in o.Methods.Distinct())
        {
            status?.Invoke($"ranking: {method}");
            var ranking = UnitRanker.Rank(data, method, o.Ranking);
            var verification = UnitVerification.Verify(data, ranking, o.Verification, status);
            IReadOnlyList<LmAblationPoint>? lm = null;
            if (o.LmSequences is { Count: > 0 } seqs && model.Config.Causal && model.Config.HasUnembed)
                lm = LmAblation.Measure(
                    model,
                    ranking,
                    seqs,
                    o.LmKs,
                    o.Verification.Ablations,
                    o.Verification.RandomDraws,
                    o.Verification.Seed,
                    status
                );
            var top = ranking
                .Order.Take(o.TopUnits)
                .Select(
                    (u, r) =>
                        new RankedUnit(
                            r,
                            new UnitRef(hook, u).ToString(),
                            u,
                            ranking.BestClass[u] >= 0 ? data.Classes[ranking.BestClass[u]] : "-",
                            ranking.Scores[u]
                        )
                )
                .ToArray();
            methods.Add(new MethodRanking(method, ranking.Note, top, ranking.Order, verification, lm));
        }
        var agreement = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int a = 0; a < methods.Count; a++)
        for (int b = a + 1; b < methods.Count; b++)
        {
            int k = Math.Min(20, data.Units);
            var sa = methods[a].Order.Take(k).ToHashSet();
            int inter = methods[b].Order.Take(k).Count(sa.Contains);
            agreement[string.Create(CultureInfo.InvariantCulture, $"{methods[a].Method}|{methods[b].Method}")] =
                inter / (double)(2 * k - inter);
        }
        return new RankingExperimentResult(
            hook,
            task,
            data.Classes,
            data.TrainLabels.Length,
            data.TestLabels.Length,
            methods,
            agreement
        );
    }
}
