using System.Globalization;
using Glassbox.Explorer.Hosting;
using Glassbox.Neurons;
using Glassbox.Neurons.Store;
using Microsoft.AspNetCore.Builder;

namespace Glassbox.Explorer.Api;

/// <summary>The neuron and SAE-feature viewer's endpoints, read from the activation stores given at start-up
/// (<c>--store</c>): <c>GET /api/neurons/stores</c> and <c>GET /api/neurons/top?store=&amp;unit=&amp;k=</c> (the
/// <c>neurons top</c> result: statistics, histogram, quantiles, top excerpts). No model is run.</summary>
public static class NeuronApi
{
    private static readonly double[] Levels = { 0.01, 0.1, 0.5, 0.9, 0.99 };

    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapGet("/api/neurons/stores", () =>
            ExplorerContext.Envelope(
                "neurons stores",
                cx.ModelName,
                new { stores = cx.Paths.Stores() },
                new RunManifest { Command = "neurons stores", Model = cx.ModelName }
            )
        );
        app.MapGet("/api/neurons/search", (string? q, int? k) =>
        {
            if (string.IsNullOrWhiteSpace(q) || q.Length > 200)
                throw new InputException(
                    "q: give a word or phrase to look for in the explanations (at most 200 characters)"
                );
            int top = k ?? 20;
            if (top is < 1 or > 200)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"k must be in 1..200, got {top}")
                );
            var terms = q.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var hits = new List<(string File, Glassbox.Neurons.Explanations.UnitScore Score)>();
            int files = 0;
            foreach (var f in cx.Paths.ResultFiles())
            {
                var scores = Glassbox.Neurons.Explanations.ScoreResultsFile.ReadScores(f);
                if (scores is null)
                    continue;
                files++;
                hits.AddRange(
                    scores
                        .Where(x => terms.All(t => x.Explanation.Contains(t, StringComparison.OrdinalIgnoreCase)))
                        .Select(x => (Path.GetFileName(f), x))
                );
            }
            var ranked = hits.OrderByDescending(h =>
                    double.IsFinite(h.Score.Score.Value) ? h.Score.Score.Value : double.NegativeInfinity
                )
                .Take(top)
                .Select(h => new
                {
                    file = h.File,
                    unit = h.Score.Unit,
                    explanation = h.Score.Explanation,
                    score = h.Score.Score,
                    baseline = h.Score.Baseline,
                })
                .ToList();
            return ExplorerContext.Envelope(
                "neurons search",
                cx.ModelName,
                new
                {
                    query = q,
                    resultFiles = files,
                    matches = hits.Count,
                    results = ranked,
                },
                new RunManifest { Command = "neurons search", Model = cx.ModelName }
            );
        });
        app.MapGet("/api/neurons/top", (string? store, string? unit, int? k) =>
        {
            string path = cx.Paths.Resolve(store);
            int top = k ?? 10;
            if (top is < 1 or > 100)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"k must be in 1..100, got {top}")
                );
            if (string.IsNullOrWhiteSpace(unit))
                throw new InputException("unit: give a unit, e.g. 1.5 (layer.neuron) or hook:index");
            using var s = ActivationStore.Open(path, cx.Options.StoreChecker, "store");
            var u = UnitRef.Parse(unit, s.Config, "unit");
            var quantiles = s.Quantiles(u);
            var excerpts = s.Top(u, top);
            var result = new
            {
                store = store,
                unit = u.ToString(),
                hook = u.Hook,
                index = u.Index,
                sae = u.Sae,
                storeModel = s.Model,
                hooks = s.Hooks,
                stats = s.Stats(u),
                histogram = s.Histogram(u),
                quantiles = Levels.ToDictionary(
                    l => l.ToString("0.##", CultureInfo.InvariantCulture),
                    quantiles.Quantile
                ),
                sampleSize = quantiles.Sample.Count,
                top = excerpts.Select(
                    (e, i) =>
                        new
                        {
                            rank = i + 1,
                            max = e.Max,
                            maxIndex = MaxIndex(e),
                            excerpt = e,
                        }
                ),
            };
            return ExplorerContext.Envelope(
                "neurons top",
                s.Model,
                result,
                new RunManifest
                {
                    Command = "neurons top",
                    Model = s.Model,
                    Options = new Dictionary<string, string>
                    {
                        ["unit"] = unit,
                        ["k"] = top.ToString(CultureInfo.InvariantCulture),
                    },
                    DataDescription = "activation store " + store,
                }
            );
        });
    }

    private static int MaxIndex(ActivationExcerpt e)
    {
        int best = 0;
        for (int i = 1; i < e.Activations.Count; i++)
            if (e.Activations[i] > e.Activations[best])
                best = i;
        return best;
    }
}
