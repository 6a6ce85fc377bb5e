using System.ComponentModel;
using Glassbox.Circuits.Detectors;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox heads</c>: previous-token, duplicate-token, induction and first-token head detectors, and attention pictures.</summary>
public sealed class HeadsCommand : Command<HeadsCommand.Settings>
{
    public sealed class Settings : CircuitSettings
    {
        [CommandOption("--threshold <T>")]
        [Description("Score in [0, 1] from which a head gets a label. Default 0.4.")]
        public double Threshold { get; init; } = 0.4;

        [CommandOption("--block-length <N>")]
        [Description("Length of the repeated random block. Default 20.")]
        public int BlockLength { get; init; } = 20;

        [CommandOption("--sequences <N>")]
        [Description("Random sequences. Default 16.")]
        public int Sequences { get; init; } = 16;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        using var model = CliModel.Load(s);
        var r = HeadDetectors.Run(model, new HeadDetectorOptions { BlockLength = s.BlockLength, Sequences = s.Sequences, Seed = s.Seed, Threshold = s.Threshold });
        var manifest = RunManifest.For("heads", model, s.Seed, new Dictionary<string, string> { ["threshold"] = s.Threshold.ToString(), ["blockLength"] = s.BlockLength.ToString(), ["sequences"] = s.Sequences.ToString() });
        if (s.Out is not null)
        {
            var report = Report(model.Name, r);
            if (s.Text is not null || s.TokenIds is not null)
            {
                var ids = CliModel.Ids(model, s.Text, s.TokenIds);
                AddPictures(report, CircuitCli.Tokens(model, ids), AttentionView.Patterns(model, ids), r);
            }
            CircuitCli.Save(report, s.Out, s.Json);
        }
        if (s.Json) { Console.WriteLine(ResultJson.Serialize(new { manifest, result = r })); return 0; }
        var t = new Table().Title($"Head detectors on {Markup.Escape(model.Name)} ({s.Sequences} seeded sequences, block {s.BlockLength})")
            .AddColumns("head", "prev-token", "duplicate", "induction", "first-token", "labels");
        foreach (var h in r.Heads)
            t.AddRow($"L{h.Layer}H{h.Head}", h.PreviousToken.ToString("F3"), h.DuplicateToken.ToString("F3"), h.Induction.ToString("F3"), h.FirstToken.ToString("F3"), Markup.Escape(string.Join(", ", h.Labels)));
        t.AddRow("[grey]uniform[/]", r.UniformBaseline["previous-token"].ToString("F3"), r.UniformBaseline["duplicate-token"].ToString("F3"), r.UniformBaseline["induction"].ToString("F3"), r.UniformBaseline["first-token"].ToString("F3"), "[grey]control[/]");
        AnsiConsole.Write(t);
        return 0;
    }

    /// <summary>HTML section with the detector table.</summary>
    public static HtmlReport Report(string model, HeadDetectorResult r, HtmlReport? into = null)
    {
        var report = into ?? new HtmlReport($"Attention heads: {model}");
        var rows = r.Heads.Select(h => (IReadOnlyList<string>)new[] { $"L{h.Layer}H{h.Head}", $"{h.PreviousToken:F3} ± {h.Std[0]:F3}", $"{h.DuplicateToken:F3} ± {h.Std[1]:F3}", $"{h.Induction:F3} ± {h.Std[2]:F3}", $"{h.FirstToken:F3} ± {h.Std[3]:F3}", string.Join(", ", h.Labels) }).ToList();
        rows.Add(new[] { "uniform attention (control)", r.UniformBaseline["previous-token"].ToString("F3"), r.UniformBaseline["duplicate-token"].ToString("F3"), r.UniformBaseline["induction"].ToString("F3"), r.UniformBaseline["first-token"].ToString("F3"), "" });
        string body = HtmlReport.Paragraph($"Mean attention weight on the detector's key position over {r.Options.Sequences} seeded sequences of BOS + a random block of {r.Options.BlockLength} tokens repeated twice (± standard deviation over sequences). Labels at score ≥ {r.Options.Threshold}.")
            + HtmlReport.Table(new[] { "head", "previous-token", "duplicate-token", "induction", "first-token", "labels" }, rows);
        return report.Add("head-detectors", "Head detectors", body);
    }

    /// <summary>Adds the interactive view and one heatmap per head.</summary>
    public static void AddPictures(HtmlReport report, IReadOnlyList<string> tokens, float[][][,] patterns, HeadDetectorResult? labels)
    {
        var names = labels?.Heads.ToDictionary(h => $"L{h.Layer}H{h.Head}", h => string.Join(", ", h.Labels));
        var grid = new System.Text.StringBuilder("<div class='grid'>");
        for (int l = 0; l < patterns.Length; l++)
            for (int h = 0; h < patterns[l].Length; h++)
                grid.Append(AttentionView.HeatmapSvg(tokens, patterns[l][h], $"L{l}H{h}" + (names is not null && names[$"L{l}H{h}"].Length > 0 ? $" ({names[$"L{l}H{h}"]})" : "")));
        grid.Append("</div>");
        report.Add("attention", "Attention patterns", AttentionView.InteractiveHtml(tokens, patterns, names) + grid);
    }
}
