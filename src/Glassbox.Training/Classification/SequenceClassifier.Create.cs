using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Classification;

/// <summary>Creating a classifier: the head's layout, a fresh head, one from checkpoint weights, and the checks.</summary>
public sealed partial class SequenceClassifier
{
    /// <summary>The head's checkpoint keys and shapes for a pooling, width and label count.</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> HeadLayout(
        ClassifierPooling pooling,
        int dModel,
        int labels
    )
    {
        var l = new List<(string, long[])>();
        if (pooling == ClassifierPooling.Cls)
        {
            l.Add((PoolerWeightKey, new long[] { dModel, dModel }));
            l.Add((PoolerBiasKey, new long[] { dModel }));
        }
        l.Add((ClassifierWeightKey, new long[] { labels, dModel }));
        l.Add((ClassifierBiasKey, new long[] { labels }));
        return l;
    }

    /// <summary>Wraps an encoder with a fresh, seeded head (weights ~ N(0, 0.02²), biases 0, as Hugging Face
    /// initialises it). Takes ownership of <paramref name="encoder"/>.</summary>
    /// <exception cref="InputException">The encoder is not a bidirectional encoder, or the labels are fewer than two,
    /// empty or repeated.</exception>
    public static SequenceClassifier Create(
        HookedTransformer encoder,
        IReadOnlyList<string> labels,
        ClassifierPooling pooling = ClassifierPooling.Cls,
        long seed = 0,
        double dropout = 0.1
    )
    {
        CheckEncoder(encoder);
        CheckLabels(labels, "labels");
        var g = new Generator((ulong)seed);
        var head = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, shape) in HeadLayout(pooling, encoder.Config.DModel, labels.Count))
        {
            var t = shape.Length == 1 ? zeros(shape) : ScalarMath.Normal(shape, 0.02, g);
            head[key] = t.to(encoder.Device).DetachFromDisposeScope();
        }
        return new SequenceClassifier(encoder, labels.ToArray(), pooling, head, dropout);
    }

    /// <summary>Wraps an encoder with copies of given head weights (checked against <see cref="HeadLayout"/>). Takes
    /// ownership of <paramref name="encoder"/>; the caller keeps <paramref name="head"/>.</summary>
    /// <exception cref="InputException">A head key is missing, unexpected or misshapen (named), or bad labels.</exception>
    public static SequenceClassifier FromWeights(
        HookedTransformer encoder,
        IReadOnlyList<string> labels,
        ClassifierPooling pooling,
        IReadOnlyDictionary<string, Tensor> head,
        double dropout = 0.1,
        string source = "head"
    )
    {
        CheckEncoder(encoder);
        CheckLabels(labels, source);
        var layout = HeadLayout(pooling, encoder.Config.DModel, labels.Count);
        foreach (var (key, shape) in layout)
        {
            if (!head.TryGetValue(key, out var t))
                throw new InputException(
                    $"{source}: classifier key '{key}' is missing ({PoolingName(pooling)} pooling)"
                );
            if (!t.shape.SequenceEqual(shape))
                throw new InputException(
                    $"{source}: classifier key '{key}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", shape)}]"
                );
        }
        foreach (var k in head.Keys.Order(StringComparer.Ordinal))
            if (!layout.Any(x => x.Key == k))
                throw new InputException(
                    $"{source}: unexpected classifier key '{k}' for {PoolingName(pooling)} pooling"
                );
        var owned = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        foreach (var (key, _) in layout)
            owned[key] = head[key].detach().to(ScalarType.Float32, encoder.Device).clone().DetachFromDisposeScope();
        return new SequenceClassifier(encoder, labels.ToArray(), pooling, owned, dropout);
    }

    /// <summary>"cls" or "mean".</summary>
    public static string PoolingName(ClassifierPooling p) => p == ClassifierPooling.Cls ? "cls" : "mean";

    /// <summary>Parses "cls" or "mean".</summary>
    /// <exception cref="InputException">Anything else (named with <paramref name="what"/>).</exception>
    public static ClassifierPooling ParsePooling(string text, string what = "--pooling") =>
        text.Trim().ToLowerInvariant() switch
        {
            "cls" => ClassifierPooling.Cls,
            "mean" => ClassifierPooling.Mean,
            _ => throw new InputException($"{what} must be 'cls' or 'mean', got '{text}'"),
        };

    private static void CheckEncoder(HookedTransformer encoder)
    {
        if (encoder.Config.Causal || encoder.Config.HasUnembed)
            throw new InputException(
                $"{encoder.Name} is not a bidirectional encoder (architecture {encoder.Config.Architecture}); sequence classifiers need a BERT-family model"
            );
    }

    private static void CheckLabels(IReadOnlyList<string> labels, string source)
    {
        if (labels.Count < 2)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{source}: a classifier needs at least two labels, got {labels.Count}"
                )
            );
        if (labels.Any(string.IsNullOrWhiteSpace))
            throw new InputException($"{source}: a label is empty");
        var dup = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new InputException($"{source}: label '{dup.Key}' appears twice");
    }
}
