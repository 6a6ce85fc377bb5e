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

/// <summary><c>glassbox dla</c>: direct logit attribution of a logit (difference) to embeddings, heads, biases and MLPs.</summary>
public sealed class DlaCommand : Command<DlaCommand.Settings>
{
    public sealed class Settings : CircuitSettings
    {
        [CommandOption("--target <TOKEN>")]
        [Description("Target token (text of one token, or #id). Default: the model's prediction.")]
        public string? Target { get; init; }

        [CommandOption("--contrast <TOKEN>")]
        [Description("Contrast token: attribute logit(target) − logit(contrast).")]
        public string? Contrast { get; init; }

        [CommandOption("--position <P>")]
        [Description("Position whose next-token logits are attributed (negative counts from the end). Default -1.")]
        public int Position { get; init; } = -1;

        [CommandOption("--top <N>")]
        [Description("Components shown in the table (largest |value|). Default 15.")]
        public int Top { get; init; } = 15;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        using var model = CliModel.Load(s);
        var ids = CliModel.Ids(model, s.Text, s.TokenIds);
        int? contrast = s.Contrast is null ? null : Unembedding.TokenId(model, s.Contrast, "--contrast");
        int target;
        if (s.Target is not null)
            target = Unembedding.TokenId(model, s.Target, "--target");
        else
        {
            int pos = s.Position < 0 ? ids.Count + s.Position : s.Position;
            if (pos < 0 || pos >= ids.Count)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"--position {s.Position} is outside the text's {ids.Count} tokens"
                    )
                );
            var lens = LogitLens.Run(model, ids, new LogitLensOptions { TopK = 1 });
            target = lens.Layers[^1].Cells[pos].Top[0].Id;
        }
        var r = DirectLogitAttribution.Run(
            model,
            ids,
            new DlaOptions
            {
                Target = target,
                Contrast = contrast,
                Position = s.Position,
            }
        );
        var manifest = RunManifest.For(
            "dla",
            model,
            null,
            new Dictionary<string, string>
            {
                ["target"] = r.TargetText,
                ["contrast"] = r.ContrastText ?? "none",
                ["position"] = r.Position.ToString(CultureInfo.InvariantCulture),
            }
        );
        if (s.Out is not null)
            CircuitCli.Save(
                CircuitSections.Dla(model.Name, model.Config.NLayers, model.Config.NHeads, r),
                s.Out,
                s.Json
            );
        if (s.Json)
        {
            CliJson.Write("dla", model.Name, r, manifest);
            return 0;
        }
        string what = r.ContrastText is null
            ? $"logit({TokenDisplay.Label(r.TargetText)})"
            : $"logit({TokenDisplay.Label(r.TargetText)}) − logit({TokenDisplay.Label(r.ContrastText)})";
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Direct logit attribution of {what} at position {r.Position} ({TokenDisplay.Label(r.Token)})"
                )
            )
            .Columns("component", "contribution");
        foreach (var c in r.Components.OrderByDescending(c => Math.Abs(c.Value)).Take(Math.Max(1, s.Top)))
            t.Row(c.Name, c.Value.ToString("F4", CultureInfo.InvariantCulture));
        Show.Write(t);
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Sum of parts {r.Sum:F4}, real value {r.Actual:F4} (|error| {r.Error:G2}); the model predicts {TokenDisplay.Label(r.PredictedText)}."
            )
        );
        return 0;
    }
}
