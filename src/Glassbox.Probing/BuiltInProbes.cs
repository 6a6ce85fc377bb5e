using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing.Structural;
using Glassbox.Reports;

namespace Glassbox.Probing;

/// <summary>Summary numbers of the built-in probing sections, for <c>explain --json</c>.</summary>
public sealed record BuiltInProbeSummary(int Sentences, IReadOnlyDictionary<string, double> BestAccuracy, IReadOnlyDictionary<string, string> BestLayer,
    double? StructuralBestUuas, double? RightBranchingUuas, double? MinimalPairAccuracy, double? CoreferenceBestProbeAccuracy = null,
    IReadOnlyDictionary<string, string>? BestHeadPerRelation = null);

/// <summary>
/// The probing sections of the <c>explain</c> report, run on data the project generates itself (the template grammar),
/// so they work on a fresh machine: a UPOS probe, sentence probes (tense, voice, subject number), a structural probe,
/// attention heads (statistics, Clark et al. dependency heads, pattern classes), coreference by similarity on generated
/// pronoun sentences, and minimal pairs for models with a language-model head. Each with its controls and baselines.
/// </summary>
public static class BuiltInProbes
{
    /// <summary>Runs every section and adds it to <paramref name="report"/>.</summary>
    public static BuiltInProbeSummary AddTo(HtmlReport report, HookedTransformer model, int sentences = 400, int seed = 0, Action<string>? status = null)
    {
        // The sections read the same sentences several times (UPOS and the structural probe: first-subword vectors;
        // the three sentence tasks: mean-pooled vectors; each with its random-weights model). A run-scoped
        // representation cache makes each extraction happen once.
        var cacheDir = Directory.CreateTempSubdirectory("glassbox-builtin-").FullName;
        try { return Run(report, model, sentences, seed, status, cacheDir); }
        finally { Directory.Delete(cacheDir, recursive: true); }
    }

    private static BuiltInProbeSummary Run(HtmlReport report, HookedTransformer model, int sentences, int seed, Action<string>? status, string cacheDir)
    {
        var data = TemplateGrammar.Sentences(sentences, seed);
        int nTrain = sentences * 4 / 5;
        var train = data.Take(nTrain).ToList();
        var test = data.Skip(nTrain).ToList();
        string source = string.Create(CultureInfo.InvariantCulture, $"Built-in data: {sentences} sentences from Glassbox's template grammar (seed {seed})");
        string desc = string.Create(CultureInfo.InvariantCulture, $"{source}, {nTrain} for training and {sentences - nTrain} for testing");
        var options = new WordProbeOptions { Seed = seed, Resamples = 500, Extraction = new ExtractionOptions { CacheDirectory = cacheDir } };
        var best = new Dictionary<string, double>(); var bestLayer = new Dictionary<string, string>();
        report.Add("probing", "Probing (built-in data)", HtmlReport.Paragraph(
            "What do the layers encode? Linear probes on every layer (layer 0 = embeddings) with Hewitt & Liang control tasks " +
            "(selectivity = task − control accuracy), a random-weights model of the same architecture and the majority class as " +
            "baselines, and 95% bootstrap intervals. Run 'glassbox probe ...' on real treebanks (UD EWT) for the full analyses."));
        status?.Invoke("probing: UPOS");
        var pos = WordProbeExperiment.Run(model, train.Select(g => g.Parse).ToList(), test.Select(g => g.Parse).ToList(), "UPOS", w => w.Upos, options);
        ProbeReport.AddWordProbe(report, pos, model.Name, desc);
        best["UPOS"] = pos.BestLayer.Task.Accuracy.Value; bestLayer["UPOS"] = Layer(pos.BestLayer.Layer);
        foreach (var task in new[] { "tense", "voice", "subject_number" })
        {
            status?.Invoke($"probing: {task}");
            var r = SentenceProbeExperiment.Run(model, Pairs(train, task), Pairs(test, task), task, options);
            ProbeReport.AddWordProbe(report, r, model.Name, desc + " (sentence vectors: mean of word vectors)");
            best[task] = r.BestLayer.Task.Accuracy.Value; bestLayer[task] = Layer(r.BestLayer.Layer);
        }
        status?.Invoke("probing: structural");
        var st = StructuralProbeExperiment.Run(model, train.Select(g => g.Parse).ToList(), test.Select(g => g.Parse).ToList(),
            new StructuralProbeOptions { Epochs = 10, Seed = seed + 1, BootstrapResamples = 500 }, randomModel: false, options.Extraction);
        StructuralReport.AddSection(report, "Structural probe (built-in data)", st.Layers);
        status?.Invoke("probing: attention heads");
        var heads = Heads.HeadProbeExperiment.Run(model, data.Select(g => g.Parse).ToList(), new Heads.HeadProbeOptions());
        Heads.HeadReport.AddSections(report, heads, source);
        var bestHeads = heads.Dependencies.Relations.Where(r => r.Count > 0)
            .ToDictionary(r => r.Relation, r => string.Create(CultureInfo.InvariantCulture, $"{r.BestHead} {r.Accuracy:F2} (offset baseline {r.BaselineAccuracy:F2})"));
        status?.Invoke("probing: coreference");
        var coref = Coreference.CoreferenceExperiment.Run(model, PronounSentences.Generate(160, seed), PronounSentences.Generate(80, seed + 1, heldOut: true),
            new Coreference.CoreferenceOptions { Seed = seed, Resamples = 500 });
        Coreference.CoreferenceReport.AddSection(report, coref, model.Name, "Built-in data: 160 training and 80 held-out generated pronoun sentences (new names and nouns)");
        double? mp = null;
        if (model.Config.HasUnembed && model.Tokenizer is not null)
        {
            status?.Invoke("probing: minimal pairs");
            var pairs = TemplateGrammar.MinimalPairs(40, seed);
            var r = MinimalPairScorer.Evaluate(model, pairs, new MinimalPairOptions { Seed = seed, Resamples = 500 });
            ParameterFreeReport.AddMinimalPairs(report, r);
            mp = r.Accuracy.Value;
        }
        else report.Add("minimal-pairs", "Minimal pairs", HtmlReport.Paragraph($"{model.Name} has no language-model head, so minimal-pair and cloze probes do not apply."));
        return new BuiltInProbeSummary(sentences, best, bestLayer, st.Best.Result.Uuas, st.Layers[0].Result.RightBranchingUuas, mp,
            coref.BestProbe.Probe.Value, bestHeads);
    }

    private static string Layer(int l) => l == 0 ? "emb" : string.Create(CultureInfo.InvariantCulture, $"L{l}");

    private static List<(IReadOnlyList<string> Words, string Label)> Pairs(IEnumerable<GeneratedSentence> s, string task) =>
        s.Select(g => ((IReadOnlyList<string>)g.Parse.Words.Select(w => w.Form).ToList(), g.Labels[task])).ToList();
}
