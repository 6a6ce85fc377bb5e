using System.ComponentModel;
using System.Globalization;
using System.Text;
using Glassbox.Neurons;
using Glassbox.Neurons.Store;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons top</c>: a unit's statistics, histogram and top excerpts, read from an activation
/// store (no model is loaded or run).</summary>
public sealed class NeuronsTopCommand : Command<NeuronsTopCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("-m|--model <MODEL>")]
        [Description(
            "The model the store was harvested from; names the default store and is checked against it. Default: the store's."
        )]
        public string? Model { get; init; }

        [CommandOption("--unit <UNIT>")]
        [Description("The unit: layer.neuron (e.g. 3.17) for MLP neurons, or hook:index for any harvested hook.")]
        public string Unit { get; init; } = "";

        [CommandOption("--store <FILE>")]
        [Description("DuckDB store written by 'neurons harvest'. Default out/<model>.neurons.duckdb.")]
        public string? Store { get; init; }

        [CommandOption("-k|--top <N>")]
        [Description("Top excerpts shown. Default 10.")]
        public int K { get; init; } = 10;
    }

    /// <summary>Quantiles shown from the sample.</summary>
    private static readonly double[] Levels = { 0.01, 0.1, 0.5, 0.9, 0.99 };

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Unit))
            throw new InputException("--unit is required, e.g. --unit 3.17");
        if (s.K < 1)
            throw new InputException("-k/--top must be at least 1");
        if (s.Store is null && s.Model is null)
            throw new InputException("--store or -m is required (the default store is out/<model>.neurons.duckdb)");
        string path = s.Store ?? NeuronsHarvestCommand.DefaultStore(s.Model!);
        using var store = ActivationStore.Open(path, CliStoreChecker.Create());
        if (s.Model is not null && !SameModel(s.Model, store))
            throw new InputException(
                $"-m: the store '{path}' holds activations of {store.Model}, not of {s.Model}; pass its --store or -m {store.Model}"
            );
        var unit = UnitRef.Parse(s.Unit, store.Config);
        var stats = store.Stats(unit);
        var histogram = store.Histogram(unit);
        var quantiles = store.Quantiles(unit);
        var top = store.Top(unit, s.K);
        var q = Levels.ToDictionary(l => l.ToString("0.##", CultureInfo.InvariantCulture), quantiles.Quantile);
        if (s.Json)
        {
            CliJson.Write(
                "neurons top",
                store.Model,
                new
                {
                    store = Path.GetFullPath(path),
                    unit = unit.ToString(),
                    stats,
                    histogram,
                    quantiles = q,
                    sampleSize = quantiles.Sample.Count,
                    top = top.Select(
                        (e, i) =>
                            new
                            {
                                rank = i + 1,
                                max = e.Max,
                                maxIndex = MaxIndex(e),
                                excerpt = e,
                            }
                    ),
                },
                new RunManifest
                {
                    Command = "neurons top",
                    Model = store.Model,
                    Options = new Dictionary<string, string> { ["unit"] = s.Unit, ["k"] = N(s.K) },
                    Data = new Dictionary<string, string>
                    {
                        [store.Manifest["corpus_path"]] = store.Manifest["corpus_sha256"],
                    },
                    DataDescription = "activation store " + Path.GetFullPath(path),
                }
            );
            return 0;
        }
        var st = Show.Titled($"{unit} ({unit.Hook}[{N(unit.Index)}]) in {store.Model}: {N(stats.Count)} tokens")
            .Columns("mean", "std", "min", "max", "> 0")
            .Columns(q.Keys.Select(k => "q" + k).ToArray());
        st.Row(
            new[]
            {
                F(stats.Mean),
                F(stats.Std),
                F(stats.Min),
                F(stats.Max),
                stats.FractionPositive.ToString("P1", CultureInfo.InvariantCulture),
            }
                .Concat(q.Values.Select(F))
                .ToArray()
        );
        Show.Write(st);
        Show.Write(Histogram(histogram));
        var tt = Show.Titled($"Top {N(top.Count)} documents of {unit} (⟦max token⟧)", "#", "max", "doc:pos", "excerpt");
        for (int i = 0; i < top.Count; i++)
        {
            var e = top[i];
            int m = MaxIndex(e);
            tt.Row(N(i + 1), F(e.Max), $"{N(e.Document)}:{N(e.Position + m)}", Excerpt(e, m));
        }
        Show.Write(tt);
        return 0;
    }

    private static bool SameModel(string model, ActivationStore store) =>
        string.Equals(model, store.Model, StringComparison.OrdinalIgnoreCase)
        || string.Equals(
            Path.GetFileName(model.TrimEnd('/', '\\')),
            Path.GetFileName(store.Manifest.GetValueOrDefault("model_source", "").TrimEnd('/', '\\')),
            StringComparison.OrdinalIgnoreCase
        );

    private static Spectre.Console.Table Histogram(UnitHistogram h)
    {
        const int width = 40;
        var rows = new List<(string Range, long Count)>();
        if (h.Underflow > 0)
            rows.Add(($"< {F(h.Low)}", h.Underflow));
        for (int b = 0; b < h.Counts.Count; b++)
            rows.Add(($"{F(h.Low + b * h.Width)} .. {F(h.Low + (b + 1) * h.Width)}", h.Counts[b]));
        if (h.Overflow > 0)
            rows.Add(($"> {F(h.High)}", h.Overflow));
        long max = Math.Max(1, rows.Max(r => r.Count));
        var t = Show.Titled(
            $"Histogram ({N(h.Counts.Count)} bins over the calibration range)",
            "activation",
            "tokens",
            ""
        );
        foreach (var (range, count) in rows)
            t.Row(range, N(count), new string('█', (int)Math.Ceiling((double)count * width / max)));
        return t;
    }

    /// <summary>Index in the window of its (first) maximum: the document's maximum token.</summary>
    private static int MaxIndex(ActivationExcerpt e)
    {
        int best = 0;
        for (int i = 1; i < e.Activations.Count; i++)
            if (e.Activations[i] > e.Activations[best])
                best = i;
        return best;
    }

    private static string Excerpt(ActivationExcerpt e, int max)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < e.Tokens.Count; i++)
        {
            string t = e.Tokens[i]
                .Replace('\u2581', ' ')
                .Replace("\n", "⏎", StringComparison.Ordinal)
                .Replace("<0x0A>", "⏎", StringComparison.Ordinal);
            sb.Append(i == max ? "⟦" + t + "⟧" : t);
        }
        return sb.ToString();
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
}
