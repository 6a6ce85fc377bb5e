using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Neurons;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons correspond</c>: how similar are the representations of layers of one model, or of two
/// models, on the same words: linear CKA with intervals and a shuffled-row control, SVCCA, and the units of the first
/// hook ranked by their best match elsewhere (maxcorr, mincorr, linreg).</summary>
public sealed class NeuronsCorrespondCommand : Command<NeuronsCorrespondCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--hooks <PATTERNS>")]
        [Description(
            "Hooks of -m to compare: comma-separated hook names or globs shaped [[batch, pos, units]] ('glassbox info' lists them). Default: every layer's MLP activations. The first is the reference of the unit ranking."
        )]
        public string? Hooks { get; init; }

        [CommandOption("--with <MODEL>")]
        [Description(
            "Another model to compare with (repeatable); its units are what the reference's units are matched in."
        )]
        public string[] With { get; init; } = [];

        [CommandOption("--with-hooks <PATTERNS>")]
        [Description("Hooks of the --with models, as --hooks. Default: every layer's MLP activations.")]
        public string? WithHooks { get; init; }

        [CommandOption("--data <CONLLU>")]
        [Description("CoNLL-U file whose sentences give the words. Default: ../shared/data UD EWT dev.")]
        public string? Data { get; init; }

        [CommandOption("--sentences <N>")]
        [Description("Use only the first N sentences. Default: as many as --max-rows words allow.")]
        public int? Sentences { get; init; }

        [CommandOption("--max-rows <N>")]
        [Description("Most words compared (time and memory grow with its square). Default 1000.")]
        public int MaxRows { get; init; } = 1000;

        [CommandOption("--pooling <POOLING>")]
        [Description("Subword pooling of a word: first (default), last or mean.")]
        public string Pooling { get; init; } = "first";

        [CommandOption("--resamples <N>")]
        [Description("Sentence bootstrap resamples of each CKA (0: no interval). Default 100.")]
        public int Resamples { get; init; } = 100;

        [CommandOption("--permutations <N>")]
        [Description("Row shufflings averaged into the control CKA. Default 3.")]
        public int Permutations { get; init; } = 3;

        [CommandOption("--svcca-variance <SHARE>")]
        [Description("Variance share SVCCA keeps of each side. Default 0.99.")]
        public double SvccaVariance { get; init; } = 0.99;

        [CommandOption("--top <N>")]
        [Description("Reference units listed by their best match. Default 20.")]
        public int Top { get; init; } = 20;

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the bootstrap and the shufflings. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("-o|--out <FILE>")]
        [Description(
            "Write the JSON result (the --json envelope); a name ending in .html writes the HTML report instead."
        )]
        public string? Out { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report (CKA and control heatmaps, pairs, matched units).")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new CorrespondenceOptions
        {
            MaxRows = s.MaxRows,
            Resamples = s.Resamples,
            Permutations = s.Permutations,
            SvccaVariance = s.SvccaVariance,
            TopUnits = s.Top,
            Seed = s.Seed,
            Pooling = ProbeSettings.ParsePooling(s.Pooling, "--pooling"),
        };
        var (sentences, description, files) = TreebankData.Words(s.Data, s.Sentences);
        var models = new List<HookedTransformer>();
        try
        {
            models.Add(CliModel.Load(s));
            foreach (var spec in s.With)
                models.Add(CliModel.Load(s, spec, null));
            var sources = models
                .Select(
                    (m, i) =>
                        new CorrespondenceSource(
                            m,
                            UnitHooks
                                .Resolve(m, i == 0 ? s.Hooks : s.WithHooks, i == 0 ? "--hooks" : "--with-hooks")
                                .Select(h => h.Hook)
                                .ToList()
                        )
                )
                .ToList();
            var result = CliProgress.Run("neurons correspond", s.Json, "steps", p =>
                CorrespondenceExperiment.Run(sources, sentences, options with { Progress = p.Counter })
            );
            var manifest = RunManifest.For(
                "neurons correspond",
                models[0],
                s.Seed,
                new Dictionary<string, string>
                {
                    ["hooks"] = string.Join(",", sources[0].Hooks),
                    ["with"] = string.Join(",", s.With),
                    ["with_hooks"] = string.Join(",", sources.Skip(1).SelectMany(x => x.Hooks).Distinct()),
                    ["max_rows"] = s.MaxRows.ToString(CultureInfo.InvariantCulture),
                    ["pooling"] = s.Pooling,
                    ["resamples"] = s.Resamples.ToString(CultureInfo.InvariantCulture),
                }
            ) with
            {
                Data = files,
                DataDescription = description,
            };
            var payload = CliJson.Envelope("neurons correspond", models[0].Name, result, manifest);
            string with = string.Concat(s.With.Select(w => " --with " + w));
            string reproduce =
                $"glassbox neurons correspond -m {s.Model} --hooks {string.Join(",", sources[0].Hooks)}{with}";
            ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox correspondence: {models[0].Name}", r =>
                CorrespondenceReport.Add(r, result, reproduce)
            );
            if (s.Json)
            {
                CliJson.Write(payload);
                return 0;
            }
            NeuronsCli.PrintCorrespondence(result, description);
            foreach (var f in new[] { s.Out, s.Report }.OfType<string>())
                Show.Wrote(f);
            return 0;
        }
        finally
        {
            foreach (var m in models)
                m.Dispose();
        }
    }
}
