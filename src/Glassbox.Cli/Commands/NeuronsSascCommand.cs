using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Neurons;
using Glassbox.Neurons.Sasc;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons sasc</c>: SASC (Singh et al. 2023) — explain a unit (or a hook's mean) as a black box
/// from corpus n-grams, candidate explanations and synthetic texts scored against control texts.</summary>
public sealed class NeuronsSascCommand : Command<NeuronsSascCommand.Settings>
{
    public sealed class Settings : NeuronsTextSettings
    {
        [CommandOption("--unit <UNIT>")]
        [Description("The unit: layer.neuron (3.17) or hook:index.")]
        public string? Unit { get; init; }

        [CommandOption("--hook <HOOK>")]
        [Description("Instead of --unit: the mean over a hook's units (a hook name as 'glassbox info' lists them).")]
        public string? Hook { get; init; }

        [CommandOption("--aggregate <HOW>")]
        [Description("Pooling of the unit over a text's tokens: max (default) or mean.")]
        public string Aggregate { get; init; } = "max";

        [CommandOption("--ngrams <N>")]
        [Description("Most frequent corpus n-grams (1-3 words) run through the model. Default 2000.")]
        public int Ngrams { get; init; } = 2000;

        [CommandOption("--top <N>")]
        [Description("Top n-grams summarised into candidates. Default 30.")]
        public int Top { get; init; } = 30;

        [CommandOption("--candidates <N>")]
        [Description("Candidate explanations. Default 3.")]
        public int Candidates { get; init; } = 3;

        [CommandOption("--texts <N>")]
        [Description("Synthetic texts per candidate and control texts. Default 30.")]
        public int Texts { get; init; } = 30;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if ((s.Unit is null) == (s.Hook is null))
            throw new InputException("give either --unit or --hook");
        var aggregate = s.Aggregate switch
        {
            "max" => ResponseAggregate.Max,
            "mean" => ResponseAggregate.Mean,
            _ => throw new InputException($"--aggregate: '{s.Aggregate}' is not max or mean"),
        };
        using var model = CliModel.Load(s);
        string hook;
        int? index = null;
        if (s.Unit is not null)
        {
            var u = UnitRef.Parse(s.Unit, model.Config);
            if (u.Sae)
                throw new InputException("--unit: SASC runs model units, not SAE features");
            (hook, index) = (u.Hook, u.Index);
        }
        else
        {
            hook = s.Hook!;
            if (!Hooks.HookName.TryParse(hook, out var point, out _) || !point.IsPresent(model.Config))
                throw new InputException($"--hook: '{hook}' is not a hook point of this model");
        }
        var module = new ModelUnitResponse(model, hook, index, aggregate);
        var (texts, path) = CircuitCli.Corpus(s.Corpus, "--corpus");
        using var chat = NeuronsLlmCli.Chat(s);
        ISascSummarizer summarizer = chat is null ? new OfflineSummarizer() : new ChatSummarizer(chat);
        ISascGenerator generator = chat is null ? new TemplateGenerator() : new ChatGenerator(chat);
        var options = new SascOptions(s.MaxTexts, s.Ngrams, s.Top, s.Candidates, s.Texts, s.Resamples, s.Seed);
        var result = CliProgress.Run("neurons sasc", s.Json, "items", p => SascExplainer
                .RunAsync(
                    module,
                    texts,
                    summarizer,
                    generator,
                    options,
                    (phase, d, t) =>
                    {
                        p.Status(phase);
                        p.Count(d, t);
                    },
                    cancellationToken
                )
                .GetAwaiter()
                .GetResult());
        var manifest = RunManifest.For(
            "neurons sasc",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["module"] = module.Name,
                ["aggregate"] = s.Aggregate,
                ["llm"] = s.Llm,
                ["ngrams"] = s.Ngrams.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = new Dictionary<string, string> { ["corpus"] = path },
        };
        if (s.Json)
        {
            CliJson.Write("neurons sasc", model.Name, new { result, llm = chat?.Counters }, manifest);
            return 0;
        }
        var top = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{module.Name}: top n-grams of {result.NgramsScored} (response mean {result.ResponseMean:F3}, SD {result.ResponseSd:F3})"
                )
            )
            .Columns("n-gram", "response");
        foreach (var n in result.Top.Take(10))
            top.Row(n.Ngram, n.Response.ToString("F3", CultureInfo.InvariantCulture));
        Show.Write(top);
        var c = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Candidate explanations: response to synthetic texts − control ({result.ControlMeanResponse:F3}), in SDs"
                )
            )
            .Columns("explanation", "mean response", "score [95%]", "example text");
        foreach (var x in result.Candidates)
            c.Row(
                x.Explanation,
                x.MeanResponse.ToString("F3", CultureInfo.InvariantCulture),
                x.Score.ToString(),
                x.Texts[0]
            );
        Show.Write(c);
        if (chat is not null)
            Show.Line(NeuronsExplainCommand.Counters(chat.Counters));
        return 0;
    }
}
