using System.ComponentModel;
using Glassbox.Circuits.Lens;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox lens</c>: the logit lens: every layer's residual stream decoded through the final norm and unembedding.</summary>
public sealed class LensCommand : Command<LensCommand.Settings>
{
    public sealed class Settings : CircuitSettings
    {
        [CommandOption("--target <TOKEN>")]
        [Description("Token to track through the layers (text of one token, or #id).")]
        public string? Target { get; init; }

        [CommandOption("--top-k <K>")]
        [Description("Top tokens per layer and position. Default 5.")]
        public int TopK { get; init; } = 5;

        [CommandOption("--position <P>")]
        [Description("Position shown in the table (negative counts from the end). Default -1.")]
        public int Position { get; init; } = -1;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        using var model = CliModel.Load(s);
        var ids = CliModel.Ids(model, s.Text, s.TokenIds);
        int? target = s.Target is null ? null : Unembedding.TokenId(model, s.Target, "--target");
        int pos = s.Position < 0 ? ids.Count + s.Position : s.Position;
        if (pos < 0 || pos >= ids.Count) throw new InputException($"--position {s.Position} is outside the text's {ids.Count} tokens");
        var r = LogitLens.Run(model, ids, new LogitLensOptions { TopK = s.TopK, Target = target });
        var manifest = RunManifest.For("lens", model, null, new Dictionary<string, string> { ["topK"] = s.TopK.ToString(), ["target"] = s.Target ?? "none" });
        if (s.Out is not null) CircuitCli.Save(Report(model.Name, r), s.Out, s.Json);
        if (s.Json) { Console.WriteLine(ResultJson.Serialize(new { manifest, result = r })); return 0; }
        var t = new Table().Title($"Logit lens at position {pos} ('{Markup.Escape(r.Tokens[pos])}')").AddColumns("layer", "top tokens", "target p", "target rank");
        foreach (var l in r.Layers)
        {
            var c = l.Cells[pos];
            t.AddRow(l.Name, Markup.Escape(string.Join("  ", c.Top.Select(x => $"'{x.Text}' {x.Prob:P1}"))),
                c.TargetProb?.ToString("P2") ?? "-", c.TargetRank?.ToString() ?? "-");
        }
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLine($"Control: last lens layer vs real logits max |diff| = {r.LastLayerMaxAbsDiff:G3}.");
        return 0;
    }

    /// <summary>HTML section: top-1 table per layer and position, and a target-probability heatmap.</summary>
    public static HtmlReport Report(string model, LogitLensResult r, HtmlReport? into = null)
    {
        var report = into ?? new HtmlReport($"Logit lens: {model}");
        var header = new[] { "layer" }.Concat(r.Tokens.Select((t, i) => $"{i}:{t}")).ToList();
        var rows = r.Layers.Select(l => (IReadOnlyList<string>)new[] { l.Name }.Concat(l.Cells.Select(c => $"{c.Top[0].Text} {c.Top[0].Prob:P0}")).ToList());
        string body = HtmlReport.Paragraph("Each row decodes the residual stream after that layer (embed = before block 0) through the final norm and the unembedding: top-1 token and its probability per position. Control: the last row equals the model's output (max |diff| " + r.LastLayerMaxAbsDiff.ToString("G3") + ").")
            + HtmlReport.Table(header, rows);
        if (r.Target is not null)
        {
            var m = new float[r.Layers.Count, r.Tokens.Count];
            for (int l = 0; l < r.Layers.Count; l++) for (int p = 0; p < r.Tokens.Count; p++) m[l, p] = (float)(r.Layers[l].Cells[p].TargetProb ?? 0);
            body += HtmlReport.Heatmap(m, r.Layers.Select(l => l.Name).ToList(), r.Tokens.Select((t, i) => $"{i}:{t}").ToList(),
                $"probability of '{r.TargetText}' by layer (rows) and position (columns)", sqrtScale: true);
        }
        return report.Add("logit-lens", "Logit lens", body);
    }
}
