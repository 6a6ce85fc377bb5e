using System.ComponentModel;
using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Neurons;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons rank</c>: rank the units of a hook for a word property, with the verification (restricted
/// probes against random and bottom units, control task, ablations on the probe and the LM loss) always attached.</summary>
public sealed class NeuronsRankCommand : Command<NeuronsRankCommand.Settings>
{
    public sealed class Settings : NeuronsRankSettings
    {
        [CommandOption("--hook <HOOK>")]
        [Description("Hook whose last axis holds the units. Default: the MLP activations (mlp post) of --layer.")]
        public string? Hook { get; init; }

        [CommandOption("--layer <L>")]
        [Description("Layer of the default MLP hook. Default: the middle layer.")]
        public int? Layer { get; init; }

        [CommandOption("--method <METHODS>")]
        [Description(
            "Ranking methods, comma-separated: probe (default; elastic-net LCA), correlation, gaussian, probeless, iou, or all."
        )]
        public string Method { get; init; } = "probe";

        [CommandOption("--top <N>")]
        [Description("Top units listed per method. Default 20.")]
        public int Top { get; init; } = 20;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var methods = ParseMethods(s.Method);
        if (s.Top < 1)
            throw new InputException("--top must be at least 1");
        var verification = s.Verification();
        var label = s.Label();
        var (train, test, description, files) = s.LoadSentences();
        using var model = CliModel.Load(s);
        string hook = NeuronsCli.Hook(model, s.Hook, s.Layer);
        var lm = NeuronsCli.LmSequences(model, s.Corpus, s.LmTexts);
        var options = new RankingExperimentOptions
        {
            Methods = methods,
            Ranking = new RankingOptions { Seed = s.Seed },
            Verification = verification,
            LmSequences = lm,
            TopUnits = s.Top,
        };
        var result = CliProgress.Run("neurons rank", s.Json, "sentences", p =>
            RankingExperiment.Run(model, train, test, hook, s.Task, s.Label(), options, p.Reporter, p.Counter)
        );
        var manifest = RunManifest.For(
            "neurons rank",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["hook"] = hook,
                ["task"] = s.Task,
                ["method"] = s.Method,
                ["ks"] = s.Ks,
                ["draws"] = s.Draws.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = files,
            DataDescription = description,
        };
        var payload = CliJson.Envelope("neurons rank", model.Name, result, manifest);
        string reproduce = $"glassbox neurons rank -m {s.Model} --hook {hook} --task {s.Task} --method {s.Method}";
        ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox neurons: {model.Name}", r =>
            RankingReport.Add(r, result, model.Name, reproduce)
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        NeuronsCli.PrintRanking(result, description);
        foreach (var f in new[] { s.Out, s.Report }.OfType<string>())
            Show.Wrote(f);
        return 0;
    }

    private static IReadOnlyList<RankingMethod> ParseMethods(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 1 && parts[0] == "all")
            return Enum.GetValues<RankingMethod>();
        return parts
            .Select(p =>
                Enum.TryParse<RankingMethod>(p, true, out var m)
                && !int.TryParse(p, CultureInfo.InvariantCulture, out _)
                    ? m
                    : throw new InputException(
                        $"--method: '{p}' is not a ranking method (probe, correlation, gaussian, probeless, iou or all)"
                    )
            )
            .ToArray();
    }
}
