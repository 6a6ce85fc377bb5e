using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Neurons;

namespace Glassbox.Cli.Commands;

/// <summary>What the <c>neurons</c> commands share: the unit hook, LM-loss sequences and the ranking tables.</summary>
internal static class NeuronsCli
{
    /// <summary>The hook given by --hook, else the MLP post-activation of --layer (default: the middle layer).</summary>
    public static string Hook(HookedTransformer model, string? hook, int? layer)
    {
        if (hook is not null && layer is not null)
            throw new InputException("give --hook or --layer, not both");
        if (hook is not null)
        {
            HookName.Require(hook, model.HookNames);
            return hook;
        }
        int l = layer ?? model.Config.NLayers / 2;
        if (l < 0 || l >= model.Config.NLayers)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--layer {l} is out of range (the model has {model.Config.NLayers})"
                )
            );
        if (!HookPoints.MlpPost.IsPresent(model.Config))
            throw new InputException($"{model.Name} has no MLP; give a --hook with a unit axis");
        return HookPoints.MlpPost.Name(l);
    }

    /// <summary>Token sequences for the LM-loss ablation: null for encoders, for 0 texts, or when no corpus is found
    /// and none was given.</summary>
    public static IReadOnlyList<IReadOnlyList<int>>? LmSequences(HookedTransformer model, string? corpus, int texts)
    {
        if (texts < 0)
            throw new InputException("--lm-texts must be at least 0");
        if (texts == 0 || !model.Config.Causal || !model.Config.HasUnembed || model.Tokenizer is null)
            return null;
        if (corpus is null && SharedData.File("tinystories", "tinystories_sample.txt") is null)
            return null;
        var (all, _) = CircuitCli.Corpus(corpus, "--corpus");
        var seqs = all.Take(texts)
            .Select(t => (IReadOnlyList<int>)model.Tokenizer.Encode(t).Ids.Take(model.Config.NCtx).ToArray())
            .Where(s => s.Count >= 2)
            .ToList();
        if (seqs.Count == 0)
            throw new InputException("--corpus: no text with two or more tokens");
        return seqs;
    }

    /// <summary>Prints, per method, the top units, the k sweep and the verdict.</summary>
    /// <summary>Prints a correspondence run: the pairs (CKA with interval, control, SVCCA) and the matched units.</summary>
    public static void PrintCorrespondence(CorrespondenceResult r, string description)
    {
        bool oneModel = r.Representations.Select(x => x.Model).Distinct(StringComparer.Ordinal).Count() == 1;
        var labels = r.Representations.Select(x => x.ShortLabel(!oneModel)).ToArray();
        if (oneModel)
            Show.Line("Model: " + r.Representations[0].Model);
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Rows:N0} words of {r.Sentences:N0} sentences ({description}); {labels.Length} representations"
            )
        );
        var pairs = Show.Titled(
            "Similarity of every pair (debiased CKA; original CKA for comparison)",
            "A",
            "B",
            "CKA [95% interval]",
            "original",
            "control",
            "SVCCA",
            "control"
        );
        foreach (var p in r.Pairs)
            pairs.Row(
                labels[p.A],
                labels[p.B],
                p.Cka.ToString(),
                F(p.BiasedCka),
                F(p.ControlCka),
                F(p.Svcca),
                F(p.ControlSvcca)
            );
        Show.Write(pairs);
        var units = Show.Titled(
            $"Units of {labels[0]} by their best match in {string.Join(", ", r.RankedAgainst.Select(i => labels[i]))}",
            "rank",
            "unit",
            "maxcorr",
            "mincorr",
            "linreg R²"
        );
        foreach (var u in r.TopUnits)
            units.Row(
                u.Rank.ToString(CultureInfo.InvariantCulture),
                u.Unit.ToString(CultureInfo.InvariantCulture),
                F(u.MaxCorr),
                F(u.MinCorr),
                F(u.LinReg)
            );
        Show.Write(units);
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Control: with rows shuffled the best unit reaches maxcorr {r.ControlMaxCorr:F3}; the control CKA (rows shuffled) is what no correspondence gives."
            )
        );
    }

    public static void PrintRanking(RankingExperimentResult r, string description)
    {
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Task} units of {r.Hook}: {r.TrainRows:N0} train / {r.TestRows:N0} test words ({description})"
            )
        );
        foreach (var m in r.Methods)
        {
            var v = m.Verification;
            var top = Show.Titled($"{m.Method}: top units", "rank", "unit", "class", "score");
            foreach (var u in m.Top)
                top.Row(
                    u.Rank.ToString(CultureInfo.InvariantCulture),
                    u.Unit,
                    u.Class,
                    u.Score.ToString("G4", CultureInfo.InvariantCulture)
                );
            Show.Write(top);
            var sweep = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{m.Method}: probe accuracy on k units (all {v.Units}: {I(v.FullAccuracy)}; majority {v.Majority:F3})"
                ),
                "k",
                "top-k",
                "random-k",
                "bottom-k",
                "selectivity"
            );
            foreach (var p in v.Sweep)
                sweep.Row(
                    p.K.ToString(CultureInfo.InvariantCulture),
                    I(p.Top),
                    I(p.Random),
                    I(p.Bottom),
                    p.Selectivity?.ToString("F3", CultureInfo.InvariantCulture) ?? "-"
                );
            Show.Write(sweep);
            var abl = Show.Titled(
                $"{m.Method}: full-probe accuracy with units ablated",
                "mode",
                "k",
                "top-k",
                "random-k",
                "bottom-k"
            );
            foreach (var a in v.Ablations)
                abl.Row(
                    a.Mode.ToString().ToLowerInvariant(),
                    a.K.ToString(CultureInfo.InvariantCulture),
                    I(a.Top),
                    I(a.Random),
                    I(a.Bottom)
                );
            Show.Write(abl);
            if (m.LmAblation is { Count: > 0 } lm)
            {
                var t = Show.Titled(
                    $"{m.Method}: LM loss with units ablated (nats/token)",
                    "mode",
                    "k",
                    "clean",
                    "top-k",
                    "random-k",
                    "bottom-k"
                );
                foreach (var p in lm)
                    t.Row(
                        p.Mode.ToString().ToLowerInvariant(),
                        p.K.ToString(CultureInfo.InvariantCulture),
                        F(p.Clean),
                        F(p.Top),
                        I(p.Random),
                        F(p.Bottom)
                    );
                Show.Write(t);
            }
            Show.Line(m.Note);
            Show.Line(v.Verdict);
        }
        foreach (var (pair, j) in r.Agreement)
            Show.Line(string.Create(CultureInfo.InvariantCulture, $"top-20 overlap (Jaccard) {pair}: {j:F2}"));
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static string I(Statistics.Interval i) =>
        double.IsNaN(i.Lower)
            ? F(i.Value)
            : string.Create(CultureInfo.InvariantCulture, $"{i.Value:F3} [{i.Lower:F3}, {i.Upper:F3}]");
}
