using System.ComponentModel;
using System.Globalization;
using Glassbox.Circuits;
using Glassbox.Circuits.Detectors;
using Glassbox.Models;
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
        [Description("Score in [[0, 1]] from which a head gets a label. Default 0.4.")]
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
        var r = CliProgress.Run("heads: detectors", s.Json, "sequences", _ => HeadDetectors.Run(
                model,
                new HeadDetectorOptions
                {
                    BlockLength = s.BlockLength,
                    Sequences = s.Sequences,
                    Seed = s.Seed,
                    Threshold = s.Threshold,
                }
            ));
        var manifest = RunManifest.For(
            "heads",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["threshold"] = s.Threshold.ToString(CultureInfo.InvariantCulture),
                ["blockLength"] = s.BlockLength.ToString(CultureInfo.InvariantCulture),
                ["sequences"] = s.Sequences.ToString(CultureInfo.InvariantCulture),
            }
        );
        if (s.Out is not null)
        {
            var report = CircuitSections.HeadDetectors(model.Name, r);
            if (s.Text is not null || s.TokenIds is not null)
            {
                var ids = CliModel.Ids(model, s.Text, s.TokenIds);
                CircuitSections.AttentionPictures(
                    report,
                    CircuitCli.Tokens(model, ids),
                    AttentionView.Patterns(model, ids),
                    r
                );
            }
            CircuitCli.Save(report, s.Out, s.Json);
        }
        if (s.Json)
        {
            CliJson.Write("heads", model.Name, r, manifest);
            return 0;
        }
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Head detectors on {model.Name} ({s.Sequences} seeded sequences, block {s.BlockLength})"
                )
            )
            .Columns("head", "prev-token", "duplicate", "induction", "first-token", "labels");
        foreach (var h in r.Heads)
            t.Row(
                HeadName.Format(h.Layer, h.Head),
                h.PreviousToken.ToString("F3", CultureInfo.InvariantCulture),
                h.DuplicateToken.ToString("F3", CultureInfo.InvariantCulture),
                h.Induction.ToString("F3", CultureInfo.InvariantCulture),
                h.FirstToken.ToString("F3", CultureInfo.InvariantCulture),
                string.Join(", ", h.Labels)
            );
        t.Row(
            new[] { Show.Styled("grey", "uniform") }
                .Concat(
                    new[] { "previous-token", "duplicate-token", "induction", "first-token" }.Select(k =>
                        Show.Cell(r.UniformBaseline[k].ToString("F3", CultureInfo.InvariantCulture))
                    )
                )
                .Append(Show.Styled("grey", "control"))
                .ToArray()
        );
        Show.Write(t);
        return 0;
    }
}
