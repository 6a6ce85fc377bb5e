using System.ComponentModel;
using System.Globalization;
using Glassbox.Llm;
using Glassbox.Models;
using Glassbox.Neurons;
using Glassbox.Neurons.Explanations;
using Glassbox.Neurons.Sae;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons score</c>: explain, simulate and score many units against shuffled-explanation
/// baselines; resumable through a results file.</summary>
public sealed class NeuronsScoreCommand : Command<NeuronsScoreCommand.Settings>
{
    public sealed class Settings : NeuronsExcerptSettings
    {
        [CommandOption("--sae <DIR>")]
        [Description(
            "Score features of this SAE (a 'sae train' checkpoint) instead of the model's units; with --random N, N random features."
        )]
        public string? Sae { get; init; }

        [CommandOption("--units <LIST>")]
        [Description("Units: 3.0-3.99, 3.0-99, hook:0-15 or a comma-separated mix (3.17,2.5).")]
        public string? Units { get; init; }

        [CommandOption("--random <N>")]
        [Description("Instead of --units: N random MLP neurons of --layer (seeded by --seed).")]
        public int? Random { get; init; }

        [CommandOption("--layer <L>")]
        [Description("Layer of --random.")]
        public int? Layer { get; init; }

        [CommandOption("--baselines <N>")]
        [Description("Other units' explanations scored on each unit (shuffled baseline). Default 1.")]
        public int Baselines { get; init; } = 1;

        [CommandOption("--results <FILE>")]
        [Description(
            "Resumable results file (rewritten after each unit; a rerun skips finished units). Default out/neurons-score-<hash of the options>.json."
        )]
        public string? Results { get; init; }

        [CommandOption("--show <N>")]
        [Description("Units shown in the human table (best and worst). Default 10.")]
        public int ShowUnits { get; init; } = 10;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if ((s.Units is null) == (s.Random is null))
            throw new InputException("give either --units or --random (with --layer)");
        if (s.Random is not null && s.Layer is null && s.Sae is null)
            throw new InputException("--random needs --layer (or --sae)");
        if (s.Sae is not null && s.Layer is not null)
            throw new InputException("--layer does not apply to SAE features: the SAE names its hook");
        if (s.Baselines < 0)
            throw new InputException("--baselines must be 0 or more");
        using var model = CliModel.Load(s);
        using var sae = s.Sae is null ? null : SparseAutoencoder.Load(s.Sae);
        if (sae is not null)
            SaeCheckpoint.CheckFits(sae, model);
        var units =
            sae is not null && s.Random is int n ? SaeUnits(sae, n, s.Seed)
            : s.Units is not null ? UnitList.Parse(s.Units, model.Config)
            : UnitList.Random(model.Config, s.Layer!.Value, s.Random!.Value, s.Seed);
        if (sae is not null && units.Any(u => !u.Sae || u.Hook != sae.Config.HookName || u.Index >= sae.Config.DSae))
            throw new InputException(
                $"--units: with --sae, give features of its hook as sae:{sae.Config.HookName}:INDEX"
            );
        IReadOnlyDictionary<string, Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>>? features = sae is null
            ? null
            : new Dictionary<string, Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>>
            {
                [sae.Config.HookName] = sae.Encode,
            };
        var (texts, path) = CircuitCli.Corpus(s.Corpus, "--corpus");
        using var chat = NeuronsLlmCli.Chat(s);
        var (explainer, simulator) = NeuronsLlmCli.Pair(chat);
        string fingerprint = RobustChat.Hash(
            string.Join(
                "\n",
                model.Name,
                model.Source?.Sha256 ?? "",
                Path.GetFullPath(path),
                s.Excerpts.ToString(),
                explainer.Name,
                simulator.Name,
                s.Baselines.ToString(CultureInfo.InvariantCulture),
                s.Resamples.ToString(CultureInfo.InvariantCulture),
                s.Sae is null ? "" : Path.GetFullPath(s.Sae)
            )
        );
        string file = CliPaths.OrDefault(s.Results, $"neurons-score-{fingerprint[..12]}.json");
        var results = ScoreResultsFile.Open(file, fingerprint);
        var set = CliProgress.Run("neurons score: corpus scan", s.Json, "texts", p =>
            ExcerptCollector.Collect(model, texts, units, s.Excerpts, d => p.Count(d, s.MaxTexts), features)
        );
        var options = new ScoreOptions(Baselines: s.Baselines, Resamples: s.Resamples, Seed: s.Seed);
        ScoreSummary summary;
        try
        {
            summary = CliProgress.Run("neurons score", s.Json, "units", p => ExplainScorePipeline
                    .RunAsync(
                        set,
                        units,
                        explainer,
                        simulator,
                        options,
                        results,
                        (phase, d, t) =>
                        {
                            p.Status(phase);
                            p.Count(d, t);
                        },
                        cancellationToken
                    )
                    .GetAwaiter()
                    .GetResult());
        }
        catch (LlmUnavailableException e)
        {
            int saved = units.Count(u => results.Score(u.ToString()) is not null);
            throw new LlmUnavailableException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{e.Message}; {saved} of {units.Count} units are scored and saved in {file}; rerun to resume"
                ),
                e
            );
        }
        var result = new
        {
            results = Path.GetFullPath(file),
            explainer = explainer.Name,
            simulator = simulator.Name,
            units = summary.Units,
            scored = summary.Scored,
            meanScore = summary.MeanScore,
            meanBaseline = summary.MeanBaseline,
            meanDifference = summary.MeanDifference,
            beatBaseline = summary.BeatBaseline,
            llm = chat?.Counters,
        };
        var manifest = RunManifest.For(
            "neurons score",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["units"] = s.Units
                    ?? (
                        s.Sae is null
                            ? string.Create(CultureInfo.InvariantCulture, $"random {s.Random} of layer {s.Layer}")
                            : string.Create(CultureInfo.InvariantCulture, $"random {s.Random} features of the SAE")
                    ),
                ["sae"] = s.Sae ?? "",
                ["llm"] = s.Llm,
                ["maxTexts"] = s.MaxTexts.ToString(CultureInfo.InvariantCulture),
                ["baselines"] = s.Baselines.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = new Dictionary<string, string> { ["corpus"] = path },
        };
        if (s.Json)
        {
            CliJson.Write("neurons score", model.Name, result, manifest);
            return 0;
        }
        var byScore = summary.Units.Where(u => u.Scored).OrderByDescending(u => u.Score.Value).ToList();
        int half = Math.Max(1, s.ShowUnits / 2);
        var shown = byScore.Count <= s.ShowUnits ? byScore : byScore.Take(half).Concat(byScore.TakeLast(half)).ToList();
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Explanation scores ({explainer.Name} explainer), best and worst"
                )
            )
            .Columns("unit", "score [95%]", "baseline [95%]", "explanation");
        foreach (var u in shown)
            t.Row(u.Unit, NeuronsLlmCli.F(u.Score), NeuronsLlmCli.F(u.Baseline), u.Explanation.ReplaceLineEndings(" "));
        Show.Write(t);
        var m = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Over {summary.Scored} scored units of {summary.Units.Count} (bootstrap over units)"
                )
            )
            .Columns("measure", "value [95%]");
        m.Row("mean score", NeuronsLlmCli.F(summary.MeanScore));
        m.Row("mean shuffled baseline", NeuronsLlmCli.F(summary.MeanBaseline));
        m.Row("mean score − baseline", NeuronsLlmCli.F(summary.MeanDifference));
        m.Row("units above their baseline", summary.BeatBaseline.ToString(CultureInfo.InvariantCulture));
        Show.Write(m);
        if (chat is not null)
            Show.Line(NeuronsExplainCommand.Counters(chat.Counters));
        Show.Wrote(file);
        return 0;
    }

    private static List<UnitRef> SaeUnits(SparseAutoencoder sae, int n, int seed)
    {
        if (n < 1 || n > sae.Config.DSae)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--random must be between 1 and {sae.Config.DSae} (the SAE's features)"
                )
            );
        var all = Enumerable.Range(0, sae.Config.DSae).ToArray();
        new Random(seed).Shuffle(all);
        return all.Take(n).Order().Select(i => new UnitRef(sae.Config.HookName, i, true)).ToList();
    }
}
