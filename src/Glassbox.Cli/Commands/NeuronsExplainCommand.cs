using System.ComponentModel;
using System.Globalization;
using Glassbox.Llm;
using Glassbox.Models;
using Glassbox.Neurons;
using Glassbox.Neurons.Explanations;
using Glassbox.Tokenization;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary>Options shared by <c>neurons explain</c>, <c>neurons score</c> and <c>neurons sasc</c>.</summary>
public class NeuronsTextSettings : ModelSettings
{
    /// <summary>Defaults the model to stories260k.</summary>
    public NeuronsTextSettings() => Model = "stories260k";

    [CommandOption("--corpus <FILE>")]
    [Description("Text corpus (stories separated by <|endoftext|> lines). Default: ../shared/data TinyStories sample.")]
    public string? Corpus { get; init; }

    [CommandOption("--max-texts <N>")]
    [Description("Corpus texts scanned. Default 400.")]
    public int MaxTexts { get; init; } = 400;

    [CommandOption("--seed <SEED>")]
    [Description("Seed of random excerpts, unit samples, shuffles and bootstraps. Default 0.")]
    public int Seed { get; init; }

    [CommandOption("--resamples <N>")]
    [Description("Bootstrap resamples for intervals. Default 1000.")]
    public int Resamples { get; init; } = 1000;

    [CommandOption("--llm <KIND>")]
    [Description(
        "offline (default: token statistics, no LLM) or chat (an OpenAI-compatible endpoint from GLASSBOX_LLM_ENDPOINT, GLASSBOX_LLM_MODEL, GLASSBOX_LLM_API_KEY or --llm-settings)."
    )]
    public string Llm { get; init; } = "offline";

    [CommandOption("--llm-settings <FILE>")]
    [Description(
        "JSON file: endpoint, model, apiKeyVariable, timeoutSeconds, maxRetries, concurrency (keys only from the environment)."
    )]
    public string? LlmSettings { get; init; }

    [CommandOption("--llm-cache <DIR>")]
    [Description("Reply cache of --llm chat (one JSON file per prompt hash). Default out/llm-cache.")]
    public string? LlmCache { get; init; }
}

/// <summary>Options of the excerpt-based commands (explain, score).</summary>
public class NeuronsExcerptSettings : NeuronsTextSettings
{
    [CommandOption("--window <N>")]
    [Description("Tokens per excerpt. Default 32.")]
    public int Window { get; init; } = 32;

    [CommandOption("--top <N>")]
    [Description("Top-activating excerpts per split (train and held-out each). Default 10.")]
    public int Top { get; init; } = 10;

    [CommandOption("--random-excerpts <N>")]
    [Description("Random excerpts per split. Default 10.")]
    public int RandomExcerpts { get; init; } = 10;

    /// <summary>The excerpt options.</summary>
    public ExcerptOptions Excerpts => new(MaxTexts, Window, Top, RandomExcerpts, Seed);
}

/// <summary>Helpers of the neurons commands: the LLM client and the explainer/simulator choice.</summary>
internal static class NeuronsLlmCli
{
    /// <summary>The robust chat client for <c>--llm chat</c>, or null for offline; validates <c>--llm</c>.</summary>
    public static RobustChat? Chat(NeuronsTextSettings s)
    {
        if (s.Llm == "offline")
            return null;
        if (s.Llm != "chat")
            throw new InputException($"--llm: '{s.Llm}' is not offline or chat");
        var settings = LlmSettings.Load(s.LlmSettings);
        string cache = s.LlmCache ?? CliPaths.OrDefault(null, "llm-cache");
        Directory.CreateDirectory(cache);
        return new RobustChat(settings.CreateClient(), settings.ChatOptions(cache));
    }

    /// <summary>Explainer and simulator for the chosen LLM.</summary>
    public static (IExplainer Explainer, ISimulator Simulator) Pair(RobustChat? chat) =>
        chat is null
            ? (new OfflineExplainer(), new RuleSimulator())
            : (new ChatExplainer(chat), new ChatSimulator(chat));

    /// <summary>"0.512 [0.401, 0.600]" or "n/a".</summary>
    public static string F(Statistics.Interval? i) => i is null || !double.IsFinite(i.Value) ? "n/a" : i.ToString();
}

/// <summary><c>glassbox neurons explain</c>: explain one unit from its top excerpts, simulate and score the explanation
/// on held-out excerpts, against the explanations of other units of the same hook.</summary>
public sealed class NeuronsExplainCommand : Command<NeuronsExplainCommand.Settings>
{
    public sealed class Settings : NeuronsExcerptSettings
    {
        [CommandOption("--unit <UNIT>")]
        [Description("The unit: layer.neuron (3.17, an MLP neuron) or hook:index.")]
        public string Unit { get; init; } = "";

        [CommandOption("--baselines <N>")]
        [Description(
            "Other units of the same hook whose explanations are scored on this unit (the shuffled baseline). Default 3."
        )]
        public int Baselines { get; init; } = 3;

        [CommandOption("--report <FILE>")]
        [Description(
            "Also write the unit viewer (HTML): held-out excerpts with true and simulated activations, histogram, logit effects."
        )]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Baselines < 1)
            throw new InputException("--baselines must be at least 1");
        using var model = CliModel.Load(s);
        var unit = UnitRef.Parse(s.Unit, model.Config);
        var (texts, path) = CircuitCli.Corpus(s.Corpus, "--corpus");
        using var chat = NeuronsLlmCli.Chat(s);
        var (explainer, simulator) = NeuronsLlmCli.Pair(chat);
        int width = (int)Hooks.HookName.Parse(unit.Hook).Point.ShapeFor(model.Config, 1, 1)[^1];
        var others = Enumerable.Range(0, width).Where(i => i != unit.Index).ToArray();
        new Random(s.Seed).Shuffle(others);
        var units = others.Take(s.Baselines).Select(i => unit with { Index = i }).Prepend(unit).ToList();
        var set = CliProgress.Run("neurons explain: corpus scan", s.Json, "texts", p =>
            ExcerptCollector.Collect(model, texts, units, s.Excerpts, d => p.Count(d, s.MaxTexts))
        );
        var options = new ScoreOptions(Baselines: s.Baselines, Resamples: s.Resamples, Seed: s.Seed);
        var summary = CliProgress.Run("neurons explain: explain and score", s.Json, "units", p =>
            ExplainScorePipeline
                .RunAsync(
                    set,
                    units,
                    explainer,
                    simulator,
                    options,
                    null,
                    (_, d, t) => p.Count(d, t),
                    cancellationToken
                )
                .GetAwaiter()
                .GetResult()
        );
        var own = summary.Units[0];
        var x = set.Excerpts(unit);
        var viewed = x
            .HeldOutTop.Take(4)
            .Select(e => (e, "top (held out)"))
            .Concat(x.HeldOutRandom.Take(2).Select(e => (e, "random (held out)")))
            .Select(p => new ViewedExcerpt(
                p.e,
                simulator
                    .SimulateAsync(own.Explanation, p.e.Tokens, cancellationToken)
                    .GetAwaiter()
                    .GetResult()
                    .Predicted,
                p.Item2
            ))
            .ToArray();
        var effects = LogitEffects.For(model, unit);
        var view = new UnitView(
            unit.ToString(),
            own.Explanation,
            own.Score.Value,
            own.Baseline?.Value,
            UnitView.HistogramOf(x.HeldOut.SelectMany(e => e.Activations).Select(a => (double)a)),
            viewed,
            effects?.Promoted,
            effects?.Suppressed
        );
        if (s.Report is not null)
        {
            var report = new Reports.HtmlReport($"Unit {unit}: {model.Name}");
            UnitViewReport.Add(report, view, $"glassbox neurons explain -m {s.Model} --unit {unit} --llm {s.Llm}");
            report.Save(s.Report);
        }
        var result = new
        {
            unit = unit.ToString(),
            explainer = explainer.Name,
            simulator = simulator.Name,
            explanation = own.Explanation,
            score = own.Score,
            baseline = own.Baseline,
            baselineFrom = own.BaselineFrom,
            baselineExplanations = summary
                .Units.Skip(1)
                .Select(u => new { unit = u.Unit, explanation = u.Explanation }),
            heldOutTokens = own.HeldOutTokens,
            malformed = own.Malformed,
            llm = chat?.Counters,
            view,
            topExcerpts = x
                .TrainTop.Take(5)
                .Select(e => new
                {
                    document = e.Document,
                    position = e.Position,
                    max = e.Max,
                    text = string.Concat(e.Tokens),
                }),
        };
        var manifest = RunManifest.For(
            "neurons explain",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["unit"] = unit.ToString(),
                ["llm"] = s.Llm,
                ["maxTexts"] = s.MaxTexts.ToString(CultureInfo.InvariantCulture),
                ["window"] = s.Window.ToString(CultureInfo.InvariantCulture),
                ["baselines"] = s.Baselines.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = new Dictionary<string, string> { ["corpus"] = path },
        };
        if (s.Json)
        {
            CliJson.Write("neurons explain", model.Name, result, manifest);
            return 0;
        }
        Show.Line(
            string.Create(CultureInfo.InvariantCulture, $"{unit} ({explainer.Name} explainer): {own.Explanation}")
        );
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{unit}: correlation score on {own.HeldOutTokens} held-out tokens (top + random excerpts)"
                )
            )
            .Columns("explanation of", "score [95% interval]");
        t.Row(unit.ToString(), NeuronsLlmCli.F(own.Score));
        t.Row("other units (shuffled baseline): " + string.Join(", ", own.BaselineFrom), NeuronsLlmCli.F(own.Baseline));
        Show.Write(t);
        var ex = Show.Titled($"{unit}: top train excerpts (max activation; ⟦token⟧ is where it peaks)")
            .Columns("max", "excerpt");
        foreach (var e in x.TrainTop.Take(5))
        {
            int peak = e.Activations.ToList().IndexOf(e.Max);
            string text = string.Concat(
                e.Tokens.Select(
                    (tok, i) => i == peak ? "⟦" + TokenDisplay.Label(tok) + "⟧" : tok.ReplaceLineEndings(" ")
                )
            );
            ex.Row(e.Max.ToString("F3", CultureInfo.InvariantCulture), text);
        }
        Show.Write(ex);
        if (chat is not null)
            Show.Line(Counters(chat.Counters));
        if (s.Report is not null)
            Show.Wrote(s.Report);
        return 0;
    }

    /// <summary>"LLM: 12 calls, 1 retry, 3 cached, 0 malformed".</summary>
    internal static string Counters(ChatCounters c) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"LLM: {c.Calls} calls, {c.Retries} retries, {c.CacheHits} cached, {c.Malformed} malformed replies"
        );
}
