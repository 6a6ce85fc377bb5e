using System.ComponentModel;
using System.Globalization;
using Glassbox.Attribution;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox attribute</c>: token attributions of a classifier logit or an LM logit (integrated gradients,
/// gradient×input, occlusion, attention rollout/flow), with the completeness error of each.</summary>
public sealed class AttributeCommand : Command<AttributeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--text <TEXT>")]
        [Description("A text to attribute (repeatable).")]
        public string[] Text { get; init; } = [];

        [CommandOption("--data <FILE>")]
        [Description("A labelled TSV/JSONL file (sentence/text and label columns) whose texts are attributed.")]
        public string? Data { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most this many texts from --data (default 20).")]
        public int Limit { get; init; } = 20;

        [CommandOption("--method <METHOD>")]
        [Description("ig, gradxinput, occlusion, rollout or flow (default ig).")]
        public string Method { get; init; } = "ig";

        [CommandOption("--baseline <BASELINE>")]
        [Description("zero, pad, mask or mean (default: pad when the tokenizer has one, else mean).")]
        public string? Baseline { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Integration steps for ig (default 50).")]
        public int Steps { get; init; } = 50;

        [CommandOption("--rule <RULE>")]
        [Description("riemann-left, riemann-right, riemann-middle, riemann-trapezoid or gauss-legendre (default).")]
        public string Rule { get; init; } = "gauss-legendre";

        [CommandOption("--batch <N>")]
        [Description("Interpolation points per forward pass (default 50; 1 runs one point at a time).")]
        public int Batch { get; init; } = 50;

        [CommandOption("--target <TARGET>")]
        [Description("A class label (classifiers) or a token (LMs). Default: the predicted class or next token.")]
        public string? Target { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Write an HTML report with the tokens coloured by attribution.")]
        public string? Report { get; init; }
    }

    private static readonly string[] Methods = ["ig", "gradxinput", "occlusion", "rollout", "flow"];

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        string method = s.Method.Trim().ToLowerInvariant();
        if (!Methods.Contains(method))
            throw new InputException($"--method must be one of {string.Join(", ", Methods)}, got '{s.Method}'");
        var rule = IntegrationRules.Parse(s.Rule);
        IntegrationRules.Points(rule, s.Steps);
        if (s.Batch < 1)
            throw new InputException("--batch must be at least 1");
        var texts = Texts(s);
        GlassboxRuntime.Initialize(s.Threads);
        using var classifier = ClassifierCheckpoint.IsClassifierDirectory(s.Model)
            ? CliModel.Classifier(s, s.Model)
            : null;
        using var lm = classifier is null ? CliModel.Load(s) : null;
        var model = classifier?.Encoder ?? lm!;
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} has no tokenizer; give --tokenizer");
        var kind = s.Baseline is null
            ? (model.Tokenizer.PadId ?? model.Config.PadTokenId) is null
                ? BaselineKind.Mean
                : BaselineKind.Pad
            : Baselines.Parse(s.Baseline);
        var options = new AttributionOptions
        {
            Steps = s.Steps,
            Rule = rule,
            Baseline = kind,
            InternalBatchSize = s.Batch,
        };
        var results = CliProgress.Run("attribute", s.Json, "texts", p =>
        {
            var list = new List<TokenAttribution>();
            for (int i = 0; i < texts.Count; i++)
            {
                list.Add(AttributeOne(classifier, model, texts[i], method, s.Target, options));
                p.Count(i + 1, texts.Count);
            }
            return list;
        });
        var summary = new AttributeSummary(
            method,
            Baselines.Names[(int)kind],
            method == "ig" ? s.Steps : 0,
            method == "ig" ? rule.Name() : null,
            results,
            results
                .Where(r => double.IsFinite(r.CompletenessError))
                .Select(r => r.CompletenessError)
                .DefaultIfEmpty(double.NaN)
                .Max()
        );
        if (s.Report is not null)
        {
            var report = new HtmlReport($"Attributions ({method}) — {model.Name}");
            AttributionSection.AddTo(report, summary);
            report.Save(s.Report);
        }
        var manifest = RunManifest.For(
            "attribute",
            model,
            null,
            new Dictionary<string, string>
            {
                ["method"] = method,
                ["baseline"] = summary.Baseline,
                ["steps"] = s.Steps.ToString(CultureInfo.InvariantCulture),
                ["rule"] = rule.Name(),
            }
        );
        if (s.Json)
        {
            CliJson.Write("attribute", model.Name, summary, manifest);
            return 0;
        }
        foreach (var r in results)
        {
            var t = Show.Titled(r.Target, "token", "attribution");
            for (int i = 0; i < r.Tokens.Count; i++)
                t.Row(
                    Show.Cell(r.Tokens[i]),
                    Show.Styled(
                        r.Scores[i] >= 0 ? "red" : "blue",
                        r.Scores[i].ToString("F4", CultureInfo.InvariantCulture)
                    )
                );
            Show.Write(t);
            Show.Line(r.Summary());
        }
        if (s.Report is not null)
            Show.Wrote(s.Report);
        return 0;
    }

    private static IReadOnlyList<string> Texts(Settings s)
    {
        if (s.Text.Length > 0 && s.Data is not null)
            throw new InputException("give either --text or --data, not both");
        if (s.Data is not null)
        {
            if (s.Limit < 1)
                throw new InputException("--limit must be at least 1");
            if (!File.Exists(s.Data))
                throw new InputException($"--data file not found: {s.Data}");
            return LabeledSentenceReader.Read(s.Data).Take(s.Limit).Select(r => r.Text).ToList();
        }
        if (s.Text.Length == 0)
            throw new InputException("give --text (repeatable) or --data");
        if (s.Text.Any(string.IsNullOrWhiteSpace))
            throw new InputException("--text is empty");
        return s.Text;
    }

    private static TokenAttribution AttributeOne(
        SequenceClassifier? classifier,
        HookedTransformer model,
        string text,
        string method,
        string? targetText,
        AttributionOptions options
    )
    {
        var ids = classifier is null
            ? model.Tokenizer!.Encode(text).Ids
            : model.Tokenizer!.Encode(text).Ids.Take(Math.Min(128, model.Config.NCtx)).ToArray();
        if (ids.Count == 0)
            throw new InputException($"--text '{text}' has no tokens");
        if (method is "rollout" or "flow")
            return AttentionAttribution.Attribute(model, ids, method == "flow");
        var target = Target(classifier, model, text, ids, targetText);
        return method switch
        {
            "ig" => IntegratedGradients.Attribute(target, ids, options),
            "gradxinput" => IntegratedGradients.GradientTimesInput(target, ids),
            _ => Occlusion.Attribute(
                target,
                ids,
                Baselines
                    .TokenId(model, options.Baseline == BaselineKind.Mask ? BaselineKind.Mask : BaselineKind.Pad)!
                    .Value
            ),
        };
    }

    private static AttributionTarget Target(
        SequenceClassifier? classifier,
        HookedTransformer model,
        string text,
        IReadOnlyList<int> ids,
        string? targetText
    )
    {
        if (classifier is not null)
        {
            if (targetText is not null)
                return AttributionTarget.ClassLogit(classifier, targetText);
            var p = classifier.Probabilities([text])[0];
            return AttributionTarget.ClassLogit(classifier, Array.IndexOf(p, p.Max()));
        }
        if (targetText is not null)
            return AttributionTarget.LmLogit(model, Unembedding.TokenId(model, targetText, "--target"));
        return AttributionTarget.NextToken(model, ids);
    }
}

/// <summary>The result of <c>glassbox attribute</c>.</summary>
/// <param name="Method">Attribution method.</param>
/// <param name="Baseline">Baseline.</param>
/// <param name="Steps">Integration steps (0 when no path).</param>
/// <param name="Rule">Integration rule (null when no path).</param>
/// <param name="Items">One attribution per text.</param>
/// <param name="MaxCompletenessError">Largest completeness error over the texts (NaN for attention methods).</param>
public sealed record AttributeSummary(
    string Method,
    string Baseline,
    int Steps,
    string? Rule,
    IReadOnlyList<TokenAttribution> Items,
    double MaxCompletenessError
);

/// <summary>The HTML section of <c>glassbox attribute</c>.</summary>
internal static class AttributionSection
{
    public static void AddTo(HtmlReport report, AttributeSummary s)
    {
        var lines = s.Items.Select(r => (r.Summary(), r.Tokens, r.Scores)).ToList();
        report.Add(
            "attribution",
            "Token attributions",
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Method {s.Method}, baseline {s.Baseline}, {s.Steps} steps ({s.Rule ?? "no path"}). Red raises the target, blue lowers it. Largest completeness error |Σ attribution − (F(x) − F(baseline))|: {s.MaxCompletenessError:G3}."
                )
            ) + TokenColours.Html(lines, "attribution (target units)")
        );
    }
}
