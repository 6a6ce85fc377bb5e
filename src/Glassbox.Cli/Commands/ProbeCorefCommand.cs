using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Probing.Coreference;
using Glassbox.Reports;
using Glassbox.Tokenization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe coref</c>: does a pronoun's vector lie closer to its antecedent than to a distractor, raw
/// and after a trained low-rank map, on generated gender/number sentences?</summary>
public sealed class ProbeCorefCommand : Command<ProbeCorefCommand.Settings>
{
    public sealed class Settings : ProbeRunSettings
    {
        [CommandOption("--sentences <N>")]
        [Description("Training sentences for the similarity probe (training nouns and names). Default 800.")]
        public int Sentences { get; init; } = 800;

        [CommandOption("--test-sentences <N>")]
        [Description("Test sentences (held-out nouns and names). Default 400.")]
        public int TestSentences { get; init; } = 400;

        [CommandOption("--rank <K>")]
        [Description("Rank of the learned projection. Default 32.")]
        public int Rank { get; init; } = 32;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Sentences < 8)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--sentences must be at least 8, got {s.Sentences}")
            );
        if (s.TestSentences < 8)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--test-sentences must be at least 8, got {s.TestSentences}"
                )
            );
        if (s.Rank < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--rank must be at least 1, got {s.Rank}")
            );
        var train = PronounSentences.Generate(s.Sentences, s.Seed);
        var test = PronounSentences.Generate(s.TestSentences, s.Seed + 1, heldOut: true);
        var options = new CoreferenceOptions
        {
            Probe = new SimilarityProbeOptions { Rank = s.Rank },
            RandomModelBaseline = !s.NoRandomModel,
            Seed = s.Seed,
            Extraction = s.Extraction(Pooling.Mean),
        };
        using var model = CliModel.Load(s);
        var result = CliProgress.Run(
            "probe coref",
            s.Json,
            "sentences",
            p =>
                CoreferenceExperiment.Run(
                    model,
                    train,
                    test,
                    options with
                    {
                        Extraction = options.Extraction with { Progress = p.Counter },
                    },
                    p.Reporter
                ),
            layerCount: model.Config.NLayers + 1
        );
        string description = string.Create(
            CultureInfo.InvariantCulture,
            $"Built-in pronoun sentences (seed {s.Seed}): {s.Sentences} training sentences and {s.TestSentences} test sentences with held-out nouns and names, half gender and half number cues"
        );
        var manifest = RunManifest.For(
            "probe coref",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["rank"] = s.Rank.ToString(CultureInfo.InvariantCulture),
                ["sentences"] = s.Sentences.ToString(CultureInfo.InvariantCulture),
                ["test-sentences"] = s.TestSentences.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            DataDescription = description + "; first test sentence: " + test[0].Text,
        };
        var payload = CliJson.Envelope("probe coref", model.Name, result, manifest);
        ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox coreference probing: {model.Name}", r =>
            CoreferenceReport.AddSection(r, result, model.Name, description)
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Pronoun → antecedent by similarity on {model.Name} ({result.TestSentences} test sentences, chance 0.5)"
                )
            )
            .Columns(
                "layer",
                "raw [95% CI]",
                "probe [95% CI]",
                "raw gender / number",
                "probe gender / number",
                "random model raw / probe"
            );
        foreach (var l in result.Layers)
            t.Row(
                l.Layer == 0 ? "emb" : string.Create(CultureInfo.InvariantCulture, $"L{l.Layer}"),
                l.Raw.ToString(),
                l.Probe.ToString(),
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{l.RawByCue.GetValueOrDefault("gender")?.Value:F3} / {l.RawByCue.GetValueOrDefault("number")?.Value:F3}"
                ),
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{l.ProbeByCue.GetValueOrDefault("gender")?.Value:F3} / {l.ProbeByCue.GetValueOrDefault("number")?.Value:F3}"
                ),
                l.RandomModelRaw is null
                    ? "-"
                    : string.Create(
                        CultureInfo.InvariantCulture,
                        $"{l.RandomModelRaw.Value:F3} / {l.RandomModelProbe!.Value:F3}"
                    )
            );
        Show.Write(t);
        Show.Markup($"example: {test[0].Text}");
        return 0;
    }
}
