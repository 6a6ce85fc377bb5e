using System.ComponentModel;
using System.Globalization;
using Glassbox.Circuits;
using Glassbox.Circuits.Lens;
using Glassbox.Models;
using Glassbox.Reports;
using Glassbox.Tokenization;
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
        if (pos < 0 || pos >= ids.Count)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--position {s.Position} is outside the text's {ids.Count} tokens"
                )
            );
        var r = LogitLens.Run(model, ids, new LogitLensOptions { TopK = s.TopK, Target = target });
        var manifest = RunManifest.For(
            "lens",
            model,
            null,
            new Dictionary<string, string>
            {
                ["topK"] = s.TopK.ToString(CultureInfo.InvariantCulture),
                ["target"] = s.Target ?? "none",
            }
        );
        if (s.Out is not null)
            CircuitCli.Save(CircuitSections.LogitLens(model.Name, r), s.Out, s.Json);
        if (s.Json)
        {
            CliJson.Write("lens", model.Name, r, manifest);
            return 0;
        }
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Logit lens at position {pos} ({TokenDisplay.Label(r.Tokens[pos])})"
                )
            )
            .Columns("layer", "top tokens", "target p", "target rank");
        foreach (var l in r.Layers)
        {
            var c = l.Cells[pos];
            t.Row(
                l.Name,
                string.Join(
                    "  ",
                    c.Top.Select(x =>
                        string.Create(CultureInfo.InvariantCulture, $"{TokenDisplay.Label(x.Text)} {x.Prob:P1}")
                    )
                ),
                c.TargetProb?.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
                c.TargetRank?.ToString(CultureInfo.InvariantCulture) ?? "-"
            );
        }
        Show.Write(t);
        Show.Markup($"Control: last lens layer vs real logits max |diff| = {r.LastLayerMaxAbsDiff:G3}.");
        return 0;
    }
}
