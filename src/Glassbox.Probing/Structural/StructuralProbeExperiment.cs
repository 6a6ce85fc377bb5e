using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing.Structural;

/// <summary>Structural probes on every layer of a model, plus the same probes on a random-weights model.</summary>
/// <param name="Layers">Per layer: name and result (layer 0 = embeddings, the embeddings-only baseline).</param>
/// <param name="RandomModel">Per layer results of the random-weights model (empty when not asked).</param>
/// <param name="TrainSentences">Sentences used for training.</param>
/// <param name="TestSentences">Sentences scored.</param>
/// <param name="SkippedSentences">Sentences left out (truncated to the context, or shorter than two words).</param>
public sealed record StructuralExperimentResult(
    IReadOnlyList<(string Layer, StructuralProbeResult Result)> Layers,
    IReadOnlyList<(string Layer, StructuralProbeResult Result)> RandomModel,
    int TrainSentences,
    int TestSentences,
    int SkippedSentences
)
{
    /// <summary>The layer with the best UUAS.</summary>
    public (string Layer, StructuralProbeResult Result) Best => Layers.MaxBy(l => l.Result.Uuas);
}

/// <summary>Runs Hewitt &amp; Manning's distance and depth probes on every layer of a model.</summary>
public static class StructuralProbeExperiment
{
    /// <summary>Runs the experiment; 10% of <paramref name="train"/> is held out for early stopping.</summary>
    /// <exception cref="InputException">Too few usable sentences.</exception>
    public static StructuralExperimentResult Run(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> train,
        IReadOnlyList<ConllSentence> test,
        StructuralProbeOptions? options = null,
        bool randomModel = true,
        ExtractionOptions? extraction = null,
        Action<string>? status = null
    )
    {
        var o = options ?? new StructuralProbeOptions();
        var ex = extraction ?? new ExtractionOptions();
        var all = train.Concat(test).ToList();
        var words = all.Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToList()).ToList();
        status?.Invoke("extracting representations");
        using var reps = RepresentationExtractor.Words(model, words, ex);
        var usable = Usable(reps, all);
        int nTrainAll = Enumerable.Range(0, train.Count).Count(i => usable[i]);
        var trainIdx = Enumerable.Range(0, train.Count).Where(i => usable[i]).ToArray();
        var testIdx = Enumerable.Range(train.Count, test.Count).Where(i => usable[i]).ToArray();
        int nDev = Math.Max(1, trainIdx.Length / 10);
        var devIdx = trainIdx.TakeLast(nDev).ToArray();
        trainIdx = trainIdx.SkipLast(nDev).ToArray();
        if (trainIdx.Length < 2 || testIdx.Length < 1)
            throw new InputException(
                $"structural probe: too few usable sentences (train {trainIdx.Length}, test {testIdx.Length})"
            );
        var layers = Probe(reps, all, trainIdx, devIdx, testIdx, o, "", status);
        var random = new List<(string, StructuralProbeResult)>();
        if (randomModel)
        {
            status?.Invoke("extracting representations of the random-weights model");
            using var rnd = ModelInit.RandomLike(model, o.Seed + 1);
            using var rreps = RepresentationExtractor.Words(rnd, words, ex);
            random = Probe(rreps, all, trainIdx, devIdx, testIdx, o, "random ", status);
        }
        return new StructuralExperimentResult(
            layers,
            random,
            trainIdx.Length + devIdx.Length,
            testIdx.Length,
            all.Count - trainIdx.Length - devIdx.Length - testIdx.Length
        );
    }

    private static List<(string, StructuralProbeResult)> Probe(
        WordRepresentations reps,
        List<ConllSentence> all,
        int[] trainIdx,
        int[] devIdx,
        int[] testIdx,
        StructuralProbeOptions o,
        string prefix,
        Action<string>? status
    )
    {
        var firstRow = new int[all.Count];
        for (int r = reps.Count - 1; r >= 0; r--)
            firstRow[reps.SentenceOf[r]] = r;
        var results = new List<(string, StructuralProbeResult)>();
        for (int l = 0; l < reps.Layers.Count; l++)
        {
            status?.Invoke(
                string.Create(CultureInfo.InvariantCulture, $"{prefix}layer {l}: training structural probes")
            );
            using var scope = NewDisposeScope();
            ParsedRepresentations Data(int[] idx) =>
                new(
                    idx.Select(i => reps.Layers[l].narrow(0, firstRow[i], all[i].Words.Count)).ToList(),
                    idx.Select(i => all[i].Words.Select(w => w.Head).ToArray()).ToList(),
                    idx.Select(i => all[i].Words.Select(w => w.Upos == "PUNCT").ToArray()).ToList()
                );
            var result = StructuralEvaluation.Run(Data(trainIdx), Data(devIdx), Data(testIdx), o);
            results.Add((l == 0 ? "emb" : string.Create(CultureInfo.InvariantCulture, $"L{l}"), result));
        }
        return results;
    }

    /// <summary>Sentences whose every word has a vector (not truncated) and that have at least two words.</summary>
    private static bool[] Usable(WordRepresentations reps, List<ConllSentence> all)
    {
        var count = new int[all.Count];
        foreach (var s in reps.SentenceOf)
            count[s]++;
        return all.Select((s, i) => s.Words.Count >= 2 && count[i] == s.Words.Count).ToArray();
    }
}
