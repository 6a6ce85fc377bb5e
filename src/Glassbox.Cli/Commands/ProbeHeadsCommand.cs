using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing.Heads;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe heads</c>: per-head attention statistics, Clark et al. dependency heads, Kovaleva et al.
/// pattern classes, optional head masking, and rollout/flow, with an HTML report.</summary>
public sealed class ProbeHeadsCommand : Command<ProbeHeadsCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--data <CONLLU>")]
        [Description(
            "CoNLL-U file. Default: ../shared/data UD EWT dev if present, else the built-in template-grammar sentences."
        )]
        public string? Data { get; init; }

        [CommandOption("--builtin")]
        [Description("Use the built-in template-grammar sentences even when UD EWT is present.")]
        public bool Builtin { get; init; }

        [CommandOption("--sentences <N>")]
        [Description("Number of sentences (the first N of the file; default 500).")]
        public int Sentences { get; init; } = 500;

        [CommandOption("--relations <LIST>")]
        [Description("Comma-separated UD relations (default nsubj,obj,amod,det,case,advmod,aux,compound,poss).")]
        public string? Relations { get; init; }

        [CommandOption("--masking")]
        [Description("Also zero each head in turn and measure the LM loss (causal LMs).")]
        public bool Masking { get; init; }

        [CommandOption("--resamples <N>")]
        [Description("Bootstrap resamples for the dependency-head intervals. Default 1000.")]
        public int Resamples { get; init; } = 1000;

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the built-in sentences and the bootstrap. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("-o|--out <FILE>")]
        [Description("Write the HTML report here.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Sentences < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--sentences must be at least 1, got {s.Sentences}")
            );
        if (s.Resamples < 0)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--resamples must be 0 or more, got {s.Resamples}")
            );
        if (s.Builtin && s.Data is not null)
            throw new InputException("give --data or --builtin, not both");
        var relations = DependencyRelations.Validate(
            s.Relations is null
                ? DependencyRelations.Default
                : s.Relations.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        );
        var (sentences, description, files) = LoadData(s);
        using var model = CliModel.Load(s);
        var options = new HeadProbeOptions
        {
            Dependencies = new DependencyHeadOptions
            {
                Relations = relations,
                Resamples = s.Resamples,
                Seed = s.Seed,
            },
            Masking = s.Masking,
        };
        HeadProbeResult result = null!;
        void Go(Action<string>? st) => result = HeadProbeExperiment.Run(model, sentences, options, st);
        CliProgress.Run("probe heads", s.Json, p => Go(p.Reporter));
        var manifest = RunManifest.For(
            "probe heads",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["sentences"] = sentences.Count.ToString(CultureInfo.InvariantCulture),
                ["relations"] = string.Join(",", relations),
                ["masking"] = s.Masking.ToString(),
                ["resamples"] = s.Resamples.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = files,
            DataDescription = description,
        };
        if (s.Out is not null)
        {
            var report = new HtmlReport($"Glassbox attention heads: {model.Name}");
            HeadReport.AddSections(report, result, description);
            report.Save(s.Out);
        }
        if (s.Json)
        {
            CliJson.Write("probe heads", model.Name, result, manifest);
            return 0;
        }
        Print(result, model.Name, description, s.Masking && result.Masking is null);
        return 0;
    }

    private static (
        IReadOnlyList<ConllSentence> Sentences,
        string Description,
        IReadOnlyDictionary<string, string> Files
    ) LoadData(Settings s)
    {
        var path = s.Builtin ? null : s.Data ?? SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu");
        if (path is null)
            return (
                TemplateGrammar.Sentences(s.Sentences, s.Seed).Select(g => g.Parse).ToList(),
                string.Create(CultureInfo.InvariantCulture, $"built-in template grammar (seed {s.Seed})"),
                new Dictionary<string, string>()
            );
        var all = ConllUReader.Read(path);
        if (all.Count == 0)
            throw new InputException($"--data: {path} has no sentences");
        return (
            all.Take(s.Sentences).ToList(),
            Path.GetFileName(path),
            new Dictionary<string, string>
            {
                [Path.GetFileName(path)] = Glassbox.Loading.ModelLoader.HashFiles(new[] { path }),
            }
        );
    }

    private static void Print(HeadProbeResult r, string model, string data, bool maskingSkipped)
    {
        var st = r.Statistics;
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Head statistics on {model} ({data}, {st.Sentences} sentences)"
                )
            )
            .Columns(
                "head",
                "to first",
                "to last [SEP]",
                "to punct.",
                "to prev.",
                "to next",
                "to self",
                "entropy",
                "class"
            );
        for (int l = 0; l < st.Layers; l++)
        for (int h = 0; h < st.Heads; h++)
            t.Row(
                HeadName.Format(l, h),
                F(st.ToFirst[l][h]),
                st.ToLast is null ? "-" : F(st.ToLast[l][h]),
                F(st.ToPunctuation[l][h]),
                F(st.ToPrevious[l][h]),
                F(st.ToNext[l][h]),
                F(st.ToSelf[l][h]),
                F(st.Entropy[l][h]),
                r.Patterns.Labels[l][h].ToString()
            );
        Show.Write(t);
        var d = Show.Titled("Dependency heads (Clark et al. 2019) vs the best fixed offset")
            .Columns(
                "relation",
                "count",
                "best head",
                "direction",
                "accuracy [95% CI]",
                "baseline (offset)",
                "beats baseline"
            );
        foreach (var x in r.Dependencies.Relations)
            d.Row(
                x.Relation,
                x.Count.ToString(CultureInfo.InvariantCulture),
                x.BestHead,
                x.Count == 0 ? "-"
                    : x.Direction == AttentionDirection.DependentToHead ? "dep→head"
                    : "head→dep",
                x.Count == 0
                    ? "-"
                    : string.Create(CultureInfo.InvariantCulture, $"{x.Accuracy:F3} [{x.Lower:F3}, {x.Upper:F3}]"),
                x.Count == 0
                    ? "-"
                    : string.Create(
                        CultureInfo.InvariantCulture,
                        $"{x.BaselineAccuracy:F3} ({x.BaselineOffset:+0;-0})"
                    ),
                x.Count == 0 ? "-"
                    : x.ClearlyBeatsBaseline ? "yes"
                    : x.BeatsBaseline ? "point estimate only"
                    : "no"
            );
        Show.Write(d);
        var p = Show.Titled("Pattern classes (rule-based Kovaleva et al. 2019)")
            .Columns("class", "fraction of heads", "fraction of maps");
        foreach (var c in Enum.GetValues<AttentionPattern>())
            p.Row(c.ToString(), F(r.Patterns.HeadFraction[c]), F(r.Patterns.MapFraction[c]));
        Show.Write(p);
        if (r.Masking is { } m)
        {
            Show.Line(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{m.Metric} unmasked {m.Baseline:F4}; heads whose masking hurts most: "
                )
                    + string.Join(
                        ", ",
                        m.MostHarmful(5)
                            .Select(x =>
                                HeadName.Format(x.Layer, x.Head)
                                + string.Create(CultureInfo.InvariantCulture, $" {x.Delta:+0.0000;-0.0000}")
                            )
                    )
            );
        }
        else if (maskingSkipped)
            Show.Markup($"masking skipped.");
        Show.Markup($"time: {r.Seconds:F1} s");
    }

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("F3", CultureInfo.InvariantCulture);
}
