using System.ComponentModel;
using System.Globalization;
using Glassbox.Circuits.Memories;
using Glassbox.Models;
using Glassbox.Reports;
using Glassbox.Tokenization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neuron</c>: an MLP neuron as a key-value memory: top-triggering prefixes, promoted/suppressed tokens, sub-updates.</summary>
public sealed class NeuronCommand : Command<NeuronCommand.Settings>
{
    public sealed class Settings : CircuitSettings
    {
        [CommandOption("--neuron <L.N>")]
        [Description("The neuron, layer.index (e.g. 2.17).")]
        public string Neuron { get; init; } = "";

        [CommandOption("--corpus <FILE>")]
        [Description(
            "Text corpus (stories separated by <|endoftext|> lines). Default: ../shared/data TinyStories sample."
        )]
        public string? Corpus { get; init; }

        [CommandOption("--max-texts <N>")]
        [Description("Texts streamed from the corpus. Default 300.")]
        public int MaxTexts { get; init; } = 300;

        [CommandOption("--top-k <K>")]
        [Description("Examples and tokens kept. Default 10.")]
        public int TopK { get; init; } = 10;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.MaxTexts < 1)
            throw new InputException("--max-texts must be at least 1");
        using var model = CliModel.Load(s);
        var neuron = NeuronRef.Parse(s.Neuron, model.Config, "--neuron");
        var (texts, path) = CircuitCli.Corpus(s.Corpus, "--corpus");
        var top = CliProgress.Run("neuron: corpus scan", s.Json, "texts", p =>
            NeuronMemories.TopPrefixes(model, neuron, texts.Take(s.MaxTexts), s.TopK, progress: done =>
                p.Count(done, s.MaxTexts)
            )
        );
        var (promoted, suppressed) = NeuronMemories.ValueTokens(model, neuron, s.TopK);
        IReadOnlyList<PositionUpdates>? updates =
            s.Text is null && s.TokenIds is null
                ? null
                : NeuronMemories.SubUpdates(model, CliModel.Ids(model, s.Text, s.TokenIds), 5);
        var result = new
        {
            neuron = neuron.ToString(),
            topPrefixes = top,
            promoted,
            suppressed,
            subUpdates = updates,
        };
        var manifest = RunManifest.For(
            "neuron",
            model,
            null,
            new Dictionary<string, string>
            {
                ["neuron"] = s.Neuron,
                ["maxTexts"] = s.MaxTexts.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = new Dictionary<string, string> { ["corpus"] = path },
        };
        if (s.Out is not null)
        {
            var report = new HtmlReport($"Neuron {neuron}: {model.Name}");
            report.Add(
                "keys",
                "Top-triggering prefixes (key)",
                HtmlReport.Table(
                    new[] { "activation", "text", "prefix" },
                    top.Select(t =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                t.Activation.ToString("F3", CultureInfo.InvariantCulture),
                                string.Create(CultureInfo.InvariantCulture, $"{t.Text}:{t.Position}"),
                                t.Prefix,
                            }
                    )
                )
            );
            report.Add(
                "values",
                "Value vector in vocabulary space",
                HtmlReport.Table(
                    new[] { "promoted", "logit", "suppressed", "logit" },
                    promoted
                        .Zip(suppressed)
                        .Select(z =>
                            (IReadOnlyList<string>)
                                new[]
                                {
                                    z.First.Token,
                                    z.First.Logit.ToString("F3", CultureInfo.InvariantCulture),
                                    z.Second.Token,
                                    z.Second.Logit.ToString("F3", CultureInfo.InvariantCulture),
                                }
                        )
                )
            );
            if (updates is not null)
                report.Add(
                    "sub-updates",
                    "Sub-updates raising the prediction",
                    HtmlReport.Table(
                        new[] { "pos", "token", "predicted", "top sub-updates (neuron act → logit)" },
                        updates.Select(u =>
                            (IReadOnlyList<string>)
                                new[]
                                {
                                    u.Position.ToString(CultureInfo.InvariantCulture),
                                    u.Token,
                                    u.Predicted,
                                    string.Join(
                                        "  ",
                                        u.Top.Select(x =>
                                            string.Create(
                                                CultureInfo.InvariantCulture,
                                                $"{x.Neuron} {x.Activation:F2}→{x.LogitEffect:F3}"
                                            )
                                        )
                                    ),
                                }
                        )
                    )
                );
            CircuitCli.Save(report, s.Out, s.Json);
        }
        if (s.Json)
        {
            CliJson.Write("neuron", model.Name, result, manifest);
            return 0;
        }
        var t1 = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{neuron}: top-triggering prefixes over {s.MaxTexts} texts"
                )
            )
            .Columns("activation", "prefix");
        foreach (var t in top)
            t1.Row(t.Activation.ToString("F3", CultureInfo.InvariantCulture), t.Prefix.ReplaceLineEndings(" "));
        Show.Write(t1);
        var t2 = Show.Titled($"{neuron}: value vector projected on the vocabulary")
            .Columns("promoted", "logit", "suppressed", "logit");
        foreach (var (a, b) in promoted.Zip(suppressed))
            t2.Row(
                TokenDisplay.Label(a.Token),
                a.Logit.ToString("F3", CultureInfo.InvariantCulture),
                TokenDisplay.Label(b.Token),
                b.Logit.ToString("F3", CultureInfo.InvariantCulture)
            );
        Show.Write(t2);
        if (updates is not null)
        {
            var t3 = Show.Titled("Sub-updates that most raise the predicted token")
                .Columns("pos", "token", "predicted", "neuron act → logit");
            foreach (var u in updates)
                t3.Row(
                    u.Position.ToString(CultureInfo.InvariantCulture),
                    TokenDisplay.Label(u.Token),
                    TokenDisplay.Label(u.Predicted),
                    string.Join(
                        "  ",
                        u.Top.Select(x =>
                            string.Create(
                                CultureInfo.InvariantCulture,
                                $"{x.Neuron} {x.Activation:F2}→{x.LogitEffect:F3}"
                            )
                        )
                    )
                );
            Show.Write(t3);
        }
        return 0;
    }
}
