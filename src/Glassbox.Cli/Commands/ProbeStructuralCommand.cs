using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Probing.Structural;
using Glassbox.Probing;
using Glassbox.Reports;
using Spectre.Console.Cli;
using Spectre.Console;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe structural</c>: Hewitt &amp; Manning distance and depth probes on every layer.</summary>
public sealed class ProbeStructuralCommand : Command<ProbeStructuralCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--data <CONLLU>")]
        [Description("One CoNLL-U file split by sentence (--split, --seed). Default: ../shared/data UD EWT dev.")]
        public string? Data { get; init; }

        [CommandOption("--train <CONLLU>")]
        public string? Train { get; init; }

        [CommandOption("--test <CONLLU>")]
        public string? Test { get; init; }

        [CommandOption("--split <FRACTION>")]
        public double Split { get; init; } = 0.8;

        [CommandOption("--rank <R>")]
        [Description("Rank of the probe matrix B (default d_model).")]
        public int? Rank { get; init; }

        [CommandOption("--epochs <N>")]
        public int Epochs { get; init; } = 30;

        [CommandOption("--no-random-model")]
        public bool NoRandomModel { get; init; }

        [CommandOption("--seed <SEED>")]
        public int Seed { get; init; } = 1;

        [CommandOption("--cache-dir <DIR>")]
        [Description("Reuse word representations extracted earlier (same model, sentences, hooks, pooling) from this directory, and store new ones there.")]
        public string? CacheDir { get; init; }

        [CommandOption("--report <FILE>")]
        public string? Report { get; init; }

        [CommandOption("-o|--out <FILE>")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var (train, test, description, files) = TreebankData.Load(s.Data, s.Train, s.Test, s.Split, s.Seed);
        using var model = CliModel.Load(s);
        var options = new StructuralProbeOptions { Rank = s.Rank, Epochs = s.Epochs, Seed = s.Seed };
        StructuralExperimentResult result = null!;
        void Go(Action<string>? st) => result = StructuralProbeExperiment.Run(model, train, test, options, !s.NoRandomModel, new ExtractionOptions { CacheDirectory = s.CacheDir }, status: st);
        if (s.Json || Console.IsOutputRedirected) Go(null);
        else AnsiConsole.Status().Start("structural probes", ctx => Go(m => ctx.Status(m)));
        var manifest = RunManifest.For("probe structural", model, s.Seed, new Dictionary<string, string> { ["epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture), ["rank"] = s.Rank?.ToString(CultureInfo.InvariantCulture) ?? "d_model" }) with { Data = files, DataDescription = description };
        var layers = result.Layers.Select(l => new { layer = l.Layer, l.Result.Uuas, l.Result.UuasInterval, l.Result.DSpr, l.Result.RootAccuracy, l.Result.NSpr }).ToList();
        var random = result.RandomModel.Select(l => new { layer = l.Layer, l.Result.Uuas, l.Result.DSpr, l.Result.RootAccuracy, l.Result.NSpr }).ToList();
        var payload = CliJson.Envelope("probe structural", model.Name, new { result.TrainSentences, result.TestSentences, result.SkippedSentences,
            rightBranchingUuas = result.Layers[0].Result.RightBranchingUuas, layers, randomModel = random }, manifest);
        if (s.Out is not null) CliJson.Save(s.Out, payload);
        if (s.Report is not null)
        {
            var report = new HtmlReport($"Glassbox structural probe: {model.Name}");
            var best = result.Best;
            var sentence = test.FirstOrDefault(t => t.Words.Count is >= 6 and <= 14 && t.Words.All(w => w.Upos != "PUNCT" || true));
            StructuralReport.AddSection(report, $"Structural probe ({description})", result.Layers);
            if (result.RandomModel.Count > 0) StructuralReport.AddSection(report, "Structural probe on the random-weights model (baseline)", result.RandomModel, id: "structural-random");
            report.Save(s.Report);
        }
        if (s.Json) { CliJson.Write(payload); return 0; }
        var t = new Table().Title(string.Create(CultureInfo.InvariantCulture, $"Structural probes on {Markup.Escape(model.Name)} ({result.TrainSentences} train / {result.TestSentences} test sentences)"))
            .AddColumns("layer", "UUAS [[95% CI]]", "DSpr", "root acc", "NSpr", "random-model UUAS");
        for (int i = 0; i < result.Layers.Count; i++)
        {
            var (name, r) = result.Layers[i];
            t.AddRow(name, Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{r.Uuas:F3} {r.UuasInterval.BoundsText()}")), r.DSpr.ToString("F3", CultureInfo.InvariantCulture), r.RootAccuracy.ToString("F3", CultureInfo.InvariantCulture), r.NSpr.ToString("F3", CultureInfo.InvariantCulture),
                result.RandomModel.Count > i ? result.RandomModel[i].Result.Uuas.ToString("F3", CultureInfo.InvariantCulture) : "-");
        }
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"right-branching baseline UUAS: {result.Layers[0].Result.RightBranchingUuas:F3}; best layer {result.Best.Layer} (UUAS {result.Best.Result.Uuas:F3})."));
        return 0;
    }
}
