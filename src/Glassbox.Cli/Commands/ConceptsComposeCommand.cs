using System.ComponentModel;
using System.Globalization;
using Glassbox.Concepts.Compositional;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Neurons.Sae;
using Glassbox.Reports;
using Glassbox.Tokenization;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox concepts compose</c>: compositional explanations of MLP neurons or SAE features (Mu and
/// Andreas 2020): the logical formula over UD concepts that best matches where each unit fires.</summary>
public sealed class ConceptsComposeCommand : Command<ConceptsComposeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--data <FILE>")]
        [Description("CoNLL-U treebank. Default: UD EWT dev in ../shared/data.")]
        public string? Data { get; init; }

        [CommandOption("--sentences <N>")]
        [Description("Sentences read from the start of the treebank. Default 1000.")]
        public int Sentences { get; init; } = 1000;

        [CommandOption("--layers <LIST>")]
        [Description("Layers whose MLP neurons are explained, e.g. 0,3,5. Default: first, middle and last.")]
        public string? Layers { get; init; }

        [CommandOption("--units <SPEC>")]
        [Description(
            "Units per layer: indices (3,17,250), top:N by activation variance, or importance:N by UPOS-probe weight. Default top:10."
        )]
        public string Units { get; init; } = "top:10";

        [CommandOption("--sae <DIR>")]
        [Description(
            "Explain the features of this SAE checkpoint (SAELens layout) at its own hook instead of neurons."
        )]
        public string? Sae { get; init; }

        [CommandOption("--quantile <Q>")]
        [Description("A unit fires on its top Q fraction of words. Default 0.005 (Mu and Andreas).")]
        public double Quantile { get; init; } = 0.005;

        [CommandOption("--max-length <N>")]
        [Description("Maximum formula length in atoms. Default 3.")]
        public int MaxLength { get; init; } = 3;

        [CommandOption("--beam <N>")]
        [Description("Beam size. Default 10.")]
        public int Beam { get; init; } = 10;

        [CommandOption("--pooling <MODE>")]
        [Description("A word's activation from its subwords: first (default), last or mean.")]
        public string Pooling { get; init; } = "first";

        [CommandOption("--lexicon <DIR>")]
        [Description(
            "Folder with positive-words.txt and negative-words.txt (lex: atoms). Default: the opinion lexicon in ../shared/data, if present."
        )]
        public string? Lexicon { get; init; }

        [CommandOption("--no-importance")]
        [Description("Skip the UPOS probe (no importance, no importance/IoU correlation).")]
        public bool NoImportance { get; init; }

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the probe, the shuffled control and the bootstrap. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("--unit-words <N>")]
        [Description("Add, per unit, the N words it fires on most as extra word atoms (Mu and Andreas). Default 0.")]
        public int UnitWords { get; init; }

        [CommandOption("--no-random-init")]
        [Description(
            "Skip the random-initialisation control (the same search on a randomly initialised copy of the model)."
        )]
        public bool NoRandomInit { get; init; }

        [CommandOption("--held-out <FRACTION>")]
        [Description(
            "Fraction of sentences held out of the search; each unit's best formula is scored again on them. Default 0.2; 0 searches on every word."
        )]
        public double HeldOut { get; init; } = 0.2;

        [CommandOption("--resamples <N>")]
        [Description("Bootstrap resamples for the intervals. Default 1000.")]
        public int Resamples { get; init; } = 1000;

        [CommandOption("--per-word-loops")]
        [Description(
            "Score formulas word by word instead of one matrix product per beam step (reference, for benchmarks)."
        )]
        public bool PerWordLoops { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Sentences < 1)
            throw new InputException("--sentences must be at least 1");
        UnitMasks.CheckQuantile(s.Quantile);
        var pooling = s.Pooling.ToLowerInvariant() switch
        {
            "first" => Pooling.First,
            "last" => Pooling.Last,
            "mean" => Pooling.Mean,
            _ => throw new InputException($"--pooling must be first, last or mean, got '{s.Pooling}'"),
        };
        var units = ParseUnits(s.Units);
        var path = s.Data
            ?? SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu")
            ?? throw new InputException("no data: give --data FILE.conllu (../shared/data with UD EWT is absent)");
        var sentences = ConllUReader.Read(path).Take(s.Sentences).ToArray();
        var lexDir = s.Lexicon
            ?? Path.GetDirectoryName(SharedData.File("opinion-lexicon-hu-liu", "positive-words.txt") ?? "");
        var lexicons = Lexicons.OpinionLexicon(string.IsNullOrEmpty(lexDir) ? null : lexDir);
        if (s.Lexicon is not null && lexicons is null)
            throw new InputException($"--lexicon: {s.Lexicon} has no positive-words.txt and negative-words.txt");
        using var sae = s.Sae is null ? null : SparseAutoencoder.Load(s.Sae);
        using var model = CliModel.Load(s);
        if (sae is not null)
            SaeCheckpoint.CheckFits(sae, model);
        int n = model.Config.NLayers;
        var layers = s.Layers is null
            ? new[] { 0, n / 2, n - 1 }.Distinct().ToArray()
            : ArgumentList.Ints(s.Layers, "--layers");
        var options = new CompositionalOptions
        {
            Layers = layers,
            Features = sae is null ? null : new FeatureUnits(sae.Config.HookName, sae.Encode),
            Units = units,
            Quantile = s.Quantile,
            Beam = new BeamOptions
            {
                MaxLength = s.MaxLength,
                Beam = s.Beam,
                PerWordLoops = s.PerWordLoops,
            },
            Pooling = pooling,
            Lexicons = lexicons,
            Importance = !s.NoImportance,
            Seed = s.Seed,
            Resamples = s.Resamples,
            HeldOut = s.HeldOut,
            RandomInitControl = !s.NoRandomInit,
            UnitWords = s.UnitWords,
        };
        var result = CliProgress.Run(
            "concepts compose",
            s.Json,
            "sentences",
            p => CompositionalExplainer.Run(model, sentences, options with { Progress = p.Status }),
            sae is null ? layers.Length : 1
        );
        var manifest = RunManifest.For(
            "concepts compose",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["layers"] = string.Join(',', layers.Select(l => l.ToString(CultureInfo.InvariantCulture))),
                ["units"] = s.Units,
                ["quantile"] = s.Quantile.ToString("R", CultureInfo.InvariantCulture),
                ["maxLength"] = s.MaxLength.ToString(CultureInfo.InvariantCulture),
                ["beam"] = s.Beam.ToString(CultureInfo.InvariantCulture),
                ["pooling"] = s.Pooling,
                ["sae"] = s.Sae ?? "",
            }
        ) with
        {
            Data = new Dictionary<string, string> { ["treebank"] = path, ["lexicon"] = lexDir ?? "" },
        };
        if (s.Report is not null)
            CircuitCli.Save(ComposeReport.Html(result, model.Name), s.Report, s.Json);
        if (s.Json)
        {
            CliJson.Write("concepts compose", model.Name, result, manifest);
            return 0;
        }
        ComposeReport.Print(result);
        return 0;
    }

    private static UnitSelection ParseUnits(string spec)
    {
        string t = spec.Trim();
        foreach (var (prefix, by) in new[] { ("top:", UnitRanking.Variance), ("importance:", UnitRanking.Importance) })
            if (t.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                if (
                    !int.TryParse(t[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
                    || k < 1
                )
                    throw new InputException($"--units: '{spec}' needs a count of at least 1 after '{prefix}'");
                return new UnitSelection(null, k, by);
            }
        return new UnitSelection(ArgumentList.Ints(t, "--units"));
    }
}

/// <summary>Parses comma-separated integer lists of options.</summary>
internal static class ArgumentList
{
    public static int[] Ints(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
            throw new InputException($"{option}: give a comma-separated list of numbers");
        return parts
            .Select(p =>
                int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
                    ? v
                    : throw new InputException($"{option}: '{p}' is not a whole number")
            )
            .ToArray();
    }
}
