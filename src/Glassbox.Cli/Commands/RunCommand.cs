using System.ComponentModel;
using System.Globalization;
using Glassbox.Classification;
using Glassbox.Models;
using Glassbox.Reports;
using Glassbox.Tokenization;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox run</c>: top next tokens for language models, a summary of the hidden states for encoders, class
/// probabilities for a classifier directory (see <see cref="ClassifierRun"/>).</summary>
public sealed class RunCommand : Command<RunCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("-t|--text <TEXT>")]
        [Description("Input text.")]
        public string? Text { get; init; }

        [CommandOption("--token-ids <IDS>")]
        [Description("Input token ids, comma-separated (instead of --text).")]
        public string? TokenIds { get; init; }

        [CommandOption("-k|--top <K>")]
        [Description("How many next tokens to show (LMs). Default 10.")]
        public int Top { get; init; } = 10;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Top < 1)
            throw new InputException("--top must be at least 1");
        if (ClassifierCheckpoint.IsClassifierDirectory(s.Model))
            return ClassifierRun.Execute(s);
        using var model = CliModel.Load(s);
        var ids = CliModel.Ids(model, s.Text, s.TokenIds);
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(ids, model.Device);
        var output = model.Forward(batch)[0].to(ScalarType.Float32).cpu();
        var tokens = ids.Select(i => CliModel.Tok(model, i)).ToList();
        object result;
        if (model.Config.HasUnembed)
        {
            var probs = output[-1].softmax(0);
            var top = probs.topk(Math.Min(s.Top, model.Config.DVocab));
            var idx = top.indexes.data<long>().ToArray();
            var p = top.values.data<float>().ToArray();
            var rows = idx.Select(
                    (id, i) =>
                        new
                        {
                            rank = i + 1,
                            id = (int)id,
                            token = CliModel.Tok(model, (int)id),
                            probability = p[i],
                        }
                )
                .ToList();
            result = new
            {
                tokens,
                ids,
                nextTokens = rows,
            };
            if (!s.Json)
            {
                Show.Markup(
                    $"[bold]{model.Name}[/] on {ids.Count} tokens: {string.Join(" ", tokens.Select(TokenDisplay.Label))}"
                );
                var t = Show.Table("rank", "id", "next token", "probability");
                foreach (var r in rows)
                    t.Row(
                        r.rank.ToString(CultureInfo.InvariantCulture),
                        r.id.ToString(CultureInfo.InvariantCulture),
                        TokenDisplay.Label(r.token),
                        r.probability.ToString("F4", CultureInfo.InvariantCulture)
                    );
                Show.Write(t);
            }
        }
        else
        {
            var norms = output.norm(1).data<float>().ToArray();
            var mean = output.mean(new long[] { 0 });
            var emb = mean / mean.norm();
            var first = emb[..8].data<float>().ToArray();
            result = new
            {
                tokens,
                ids,
                hiddenNorms = norms,
                meanPooledUnitFirst8 = first,
                dModel = model.Config.DModel,
            };
            if (!s.Json)
            {
                Show.Markup(
                    $"[bold]{model.Name}[/] (encoder): last hidden state [[1, {ids.Count}, {model.Config.DModel}]]"
                );
                var t = Show.Table("pos", "token", "‖h‖");
                for (int i = 0; i < tokens.Count; i++)
                    t.Row(
                        i.ToString(CultureInfo.InvariantCulture),
                        TokenDisplay.Label(tokens[i]),
                        norms[i].ToString("F3", CultureInfo.InvariantCulture)
                    );
                Show.Write(t);
                Show.Line(
                    "mean-pooled unit embedding, first 8 dims: "
                        + string.Join(" ", first.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))
                );
            }
        }
        if (s.Json)
            CliJson.Write("run", model.Name, result, RunManifest.For("run", model));
        return 0;
    }
}
