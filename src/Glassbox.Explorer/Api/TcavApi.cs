using System.Globalization;
using Glassbox.Concepts;
using Glassbox.Explorer.Hosting;
using Glassbox.Hooks;
using Glassbox.Models;
using Microsoft.AspNetCore.Builder;

namespace Glassbox.Explorer.Api;

/// <summary><c>POST /api/tcav/jobs</c>: TCAV (<see cref="TcavAnalysis"/>, as <c>glassbox concepts tcav</c>) as a
/// background job: concepts (built-in or typed) against random sets at the chosen layers, for a class of the served
/// classifier or a language model's next-token logit; the job ends with the <c>concepts tcav</c> envelope.</summary>
public static class TcavApi
{
    /// <summary>A concept typed on the page.</summary>
    /// <param name="Name">Its name.</param>
    /// <param name="Examples">Examples (words or sentences), at least 10 distinct.</param>
    public sealed record ConceptInput(string? Name, IReadOnlyList<string>? Examples);

    /// <summary>Body of <c>/api/tcav/jobs</c>.</summary>
    /// <param name="Concepts">Built-in concept names (positive-adjectives, negative-adjectives, neutral-words,
    /// colour-words).</param>
    /// <param name="Custom">Typed concepts.</param>
    /// <param name="Target">A class name of the served classifier, or a language model's TOKEN (or TOKEN,TOKEN: a logit
    /// difference) at the last position.</param>
    /// <param name="Inputs">Texts whose predictions are explained, one per item.</param>
    /// <param name="InputSet">Instead of <paramref name="Inputs"/>: <c>sst2-dev</c>, the SST-2 dev sentences of the
    /// target class (a two-class classifier, shared data).</param>
    /// <param name="Layers">Layers to test; null: all.</param>
    /// <param name="Hook">Block hook point per layer: resid_post (default), resid_pre, attn_out or mlp_out.</param>
    /// <param name="RandomRuns">Random runs (2..100); default 10 for a quick answer (the CLI's default is 50).</param>
    /// <param name="Examples">Examples per random set (8..500); concepts are capped at this many.</param>
    /// <param name="MaxInputs">Inputs used at most (1..1000).</param>
    /// <param name="Pooling">mean (default) or token.</param>
    /// <param name="RandomCorpus">Sentences to draw random sets from (at least 20); null: SST-2 train (else TinyStories)
    /// from the shared data.</param>
    /// <param name="Seed">Seed of random sets, CAV splits and bootstraps.</param>
    public sealed record TcavRequest(
        IReadOnlyList<string>? Concepts = null,
        IReadOnlyList<ConceptInput>? Custom = null,
        string? Target = null,
        IReadOnlyList<string>? Inputs = null,
        string? InputSet = null,
        IReadOnlyList<int>? Layers = null,
        string Hook = "resid_post",
        int RandomRuns = 10,
        int Examples = 50,
        int MaxInputs = 50,
        string Pooling = "mean",
        IReadOnlyList<string>? RandomCorpus = null,
        int Seed = 0
    );

    /// <summary>The job's result.</summary>
    /// <param name="Tcav">Scores with intervals, random baselines, p-values (raw, Holm, Bonferroni), effect sizes.</param>
    /// <param name="Layers">Layer of each tested hook, in the order of the hooks.</param>
    /// <param name="Inputs">How many inputs were explained, and where they came from.</param>
    public sealed record TcavJobResult(TcavResult Tcav, IReadOnlyList<int> Layers, string Inputs);

    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapPost("/api/tcav/jobs", (TcavRequest r) =>
        {
            // Everything is checked before the job starts, so bad input is a 400 naming the field.
            var run = Prepare(cx, r);
            var job = cx.Jobs.Start("concepts tcav", (m, j) =>
            {
                var result = TcavAnalysis.Run([run.Target], run.Concepts, run.Random, run.Options, null, j.Report);
                j.Report("done");
                var manifest = RunManifest.For(
                    "concepts tcav",
                    m,
                    r.Seed,
                    new Dictionary<string, string>
                    {
                        ["target"] = run.Target.Target.Name,
                        ["random"] = r.RandomRuns.ToString(CultureInfo.InvariantCulture),
                        ["examples"] = r.Examples.ToString(CultureInfo.InvariantCulture),
                        ["pooling"] = r.Pooling,
                        ["hook"] = r.Hook,
                        ["source"] = "explorer",
                    }
                ) with
                {
                    DataDescription = run.InputsDescription + "; random sets from " + run.Random.Corpus,
                };
                var payload = new TcavJobResult(result, run.Layers, run.InputsDescription);
                return ResultJson.Serialize(ResultEnvelope.Create("concepts tcav", m.Name, payload, manifest));
            });
            return ExplorerContext.Envelope("job", cx.ModelName, job.Info());
        });
    }

    private sealed record Prepared(
        TcavTargetInputs Target,
        List<ConceptSet> Concepts,
        RandomConcepts Random,
        TcavOptions Options,
        List<int> Layers,
        string InputsDescription
    );

    private static Prepared Prepare(ExplorerContext cx, TcavRequest r)
    {
        var model = cx.Host.Model;
        Fields.Range("randomRuns", r.RandomRuns, 2, 100);
        Fields.Range("examples", r.Examples, 8, 500);
        Fields.Range("maxInputs", r.MaxInputs, 1, 1000);
        var pooling = r.Pooling switch
        {
            "mean" => ConceptPooling.Mean,
            "token" => ConceptPooling.Token,
            _ => throw new InputException($"pooling: expected mean or token, got '{r.Pooling}'"),
        };
        var concepts = Concepts(r);
        var layers = r.Layers is null or { Count: 0 }
            ? Enumerable.Range(0, model.Config.NLayers).ToList()
            : r.Layers.Distinct().ToList();
        foreach (int l in layers)
            Fields.Range("layers", l, 0, model.Config.NLayers - 1);
        var point = HookPoints.All.FirstOrDefault(p =>
            p.Scope == HookScope.Block && p.ShortName == r.Hook && p.IsPresent(model.Config)
        )
            ?? throw new InputException(
                $"hook: '{r.Hook}' is not a block hook point of this model (e.g. resid_post, resid_pre, attn_out, mlp_out)"
            );
        ITcavTarget target = Target(cx, r.Target);
        var (inputs, described) = Inputs(cx, r, target);
        var random = r.RandomCorpus is { } corpus
            ? Fields.Named("randomCorpus", () => new RandomConcepts(corpus, "typed corpus"))
            : Fields.Named("randomCorpus", () => BuiltInConcepts.RandomCorpus(SharedData.Root));
        var options = new TcavOptions
        {
            Hooks = layers.Select(l => point.Name(l)).ToList(),
            Pooling = pooling,
            RandomRuns = r.RandomRuns,
            ExamplesPerSet = r.Examples,
            Seed = r.Seed,
        }.Validate();
        return new Prepared(new TcavTargetInputs(target, inputs), concepts, random, options, layers, described);
    }

    private static List<ConceptSet> Concepts(TcavRequest r)
    {
        var list = new List<ConceptSet>();
        foreach (var name in r.Concepts ?? [])
        {
            if (!BuiltInConcepts.IsBuiltIn(name))
                throw new InputException(
                    $"concepts: '{name}' is not a built-in concept ({string.Join(", ", BuiltInConcepts.Names)})"
                );
            list.Add(Fields.Named("concepts", () => BuiltInConcepts.Load(name, SharedData.Root)));
        }
        for (int i = 0; i < (r.Custom?.Count ?? 0); i++)
        {
            var c = r.Custom![i]
                ?? throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"custom[{i}]: expected an object, got null")
                );
            string name = c.Name?.Trim() is { Length: > 0 } n ? n : "typed concept";
            var examples = (c.Examples ?? [])
                .Select(e => e.Trim())
                .Where(e => e.Length > 0)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            list.Add(
                Fields.Named("custom", () =>
                    new ConceptSet(name, examples, "typed on the page").Require(ConceptSet.DefaultMinExamples)
                )
            );
        }
        if (list.Count == 0)
            throw new InputException("concepts: choose a built-in concept or type one (10 or more examples)");
        var dup = list.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new InputException($"custom: the concept name '{dup.Key}' is used twice");
        return list;
    }

    private static ITcavTarget Target(ExplorerContext cx, string? target)
    {
        if (cx.Host.Classifier is { } c)
            return new ClassifierLogitTarget(c, c.Labels[ModelApi.LabelIndex(c, target, "target")]);
        if (string.IsNullOrEmpty(target))
            throw new InputException("target: type the next token whose logit is explained (e.g. ' happy')");
        return Fields.Named("target", () => LmLogitDifferenceTarget.Parse(cx.Host.Model, target));
    }

    private static (List<string> Texts, string Description) Inputs(ExplorerContext cx, TcavRequest r, ITcavTarget t)
    {
        if (r.InputSet is not null)
        {
            if (r.InputSet != "sst2-dev")
                throw new InputException($"inputSet: expected sst2-dev, got '{r.InputSet}'");
            if (t is not ClassifierLogitTarget ct || cx.Host.Classifier!.LabelCount != 2)
                throw new InputException("inputSet: sst2-dev needs a two-class classifier (SST-2 labels 0 and 1)");
            string path = BuiltInConcepts.Find(SharedData.Root, "sst2", "dev.tsv")
                ?? throw new InputException("inputSet: sst2/dev.tsv is not in the shared data folder");
            var texts = BuiltInConcepts
                .Sst2(path)
                .Where(x => x.Label == ct.Label)
                .Select(x => x.Text)
                .Take(r.MaxInputs)
                .ToList();
            return (
                texts,
                string.Create(CultureInfo.InvariantCulture, $"{texts.Count} SST-2 dev sentences of class {ct.Label}")
            );
        }
        var typed = (r.Inputs ?? []).Select(x => x.Trim()).Where(x => x.Length > 0).Take(r.MaxInputs).ToList();
        if (typed.Count == 0)
            throw new InputException("inputs: type at least one text whose prediction is explained (one per line)");
        if (typed.FirstOrDefault(x => x.Length > Prompt.MaxChars) is { } longText)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"inputs: a text has {longText.Length} characters; at most {Prompt.MaxChars}"
                )
            );
        return (typed, string.Create(CultureInfo.InvariantCulture, $"{typed.Count} typed inputs"));
    }
}
