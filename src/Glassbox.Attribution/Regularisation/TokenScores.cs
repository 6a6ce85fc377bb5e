using Glassbox.Classification;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Attribution.Regularisation;

/// <summary>Per-token explanation scores of a classifier on aligned texts, shared by the regulariser (with the graph
/// kept through the gradient) and by the plausibility evaluation (without).</summary>
public static class TokenScores
{
    /// <summary>Logits [batch, n_labels] and non-negative token scores [batch, pos] (zero outside word tokens) for
    /// the gold classes.</summary>
    /// <param name="classifier">The classifier.</param>
    /// <param name="texts">Tokenized texts.</param>
    /// <param name="gold">Class index per text (the explained class).</param>
    /// <param name="method">Which explanation.</param>
    /// <param name="dropout">Dropout generator (training) or null.</param>
    /// <param name="createGraph">Keep the graph through the gradient so the scores can be trained on.</param>
    /// <param name="igSteps">Steps of integrated gradients (that method only).</param>
    public static (Tensor Logits, Tensor Scores) Compute(
        SequenceClassifier classifier,
        IReadOnlyList<TokenFeedback> texts,
        IReadOnlyList<int> gold,
        ErMethod method,
        Generator? dropout,
        bool createGraph,
        int igSteps = 4
    )
    {
        var model = classifier.Encoder;
        var content = Flags(texts, t => t.Content, texts.Max(t => t.Ids.Count), model.Device); // [batch, pos]
        if (method == ErMethod.IntegratedGradients)
        {
            var (l, ig) = IntegratedGradientsScores(classifier, texts, gold, dropout, createGraph, igSteps);
            return (l, ig.mul(content));
        }
        using var batch = TokenBatch.FromIds(
            texts.Select(t => t.Ids).ToList(),
            model.Tokenizer?.PadId ?? model.Config.PadTokenId ?? 0,
            device: model.Device
        );
        using var grad = enable_grad();
        if (method == ErMethod.Attention)
        {
            string hook = HookPoints.AttnPattern.Name(model.Config.NLayers - 1);
            using var run = classifier.ForwardCapturing(batch, hook, dropout);
            var pattern = run.Activation.mean([1]); // [batch, q, k]
            var q = batch.Mask.to(pattern.device).to_type(pattern.dtype).unsqueeze(-1); // [batch, q, 1]
            var attn = pattern.mul(q).sum(1).div(q.sum(1)); // [batch, k]
            return (run.Logits.alias(), attn.mul(content));
        }
        using var r = classifier.ForwardCapturing(batch, HookName.Embed, dropout);
        var idx = tensor(gold.Select(g => (long)g).ToArray(), device: r.Logits.device).unsqueeze(1);
        var logp = r.Logits.log_softmax(-1).gather(1, idx).sum();
        var g = autograd.grad([logp], [r.Activation], retain_graph: true, create_graph: createGraph)[0]; // [batch, pos, d_model]
        var a =
            method == ErMethod.Saliency
                ? g.Square().sum(-1).AddScalar(1e-12).sqrt() // [batch, pos]
                : g.mul(r.Activation).sum(-1).abs(); // [batch, pos]
        return (r.Logits.alias(), a.mul(content));
    }

    /// <summary>Logits at the input [batch, n_labels] and |IG| [batch, pos] from a zero baseline with right-Riemann
    /// steps α = 1/k .. 1, the texts repeated once per step along the batch.</summary>
    private static (Tensor Logits, Tensor Scores) IntegratedGradientsScores(
        SequenceClassifier classifier,
        IReadOnlyList<TokenFeedback> texts,
        IReadOnlyList<int> gold,
        Generator? dropout,
        bool createGraph,
        int steps
    )
    {
        using var grad = enable_grad();
        var model = classifier.Encoder;
        int k = Math.Max(1, steps),
            n = texts.Count;
        using var big = TokenBatch.FromIds(
            Enumerable.Range(0, k).SelectMany(_ => texts.Select(t => t.Ids)).ToList(),
            model.Tokenizer?.PadId ?? model.Config.PadTokenId ?? 0,
            device: model.Device
        );
        var alphas = tensor(
                Enumerable.Range(0, k).SelectMany(j => Enumerable.Repeat((float)(j + 1) / k, n)).ToArray(),
                device: model.Device
            )
            .view(-1, 1, 1); // [k * batch, 1, 1]
        var scale = new Hook(HookName.Embed, (x, _) => x.mul(alphas.to_type(x.dtype)));
        using var r = classifier.ForwardCapturing(big, HookName.Embed, dropout, [scale]);
        var idx = tensor(
                Enumerable.Range(0, k).SelectMany(_ => gold.Select(g => (long)g)).ToArray(),
                device: r.Logits.device
            )
            .unsqueeze(1);
        var logp = r.Logits.log_softmax(-1).gather(1, idx).sum();
        var g = autograd.grad([logp], [r.Activation], retain_graph: true, create_graph: createGraph)[0]; // [k * batch, pos, d_model]
        long pos = g.shape[1],
            d = g.shape[2];
        var mean = g.view(k, n, pos, d).mean([0]); // [batch, pos, d_model]
        var input = r.Activation.view(k, n, pos, d)[k - 1]; // α = 1: the embeddings themselves
        var a = mean.mul(input).sum(-1).abs(); // [batch, pos]
        return (r.Logits.view(k, n, -1)[k - 1], a); // logits at the input [batch, n_labels]
    }

    /// <summary>The explanation loss per text [batch]: Σ_{should not matter} s + (any should matter ? 1 − Σ_{should
    /// matter} s : 0), with s the scores normalised over each text's word tokens.</summary>
    public static Tensor FeedbackLoss(Tensor scores, IReadOnlyList<TokenFeedback> texts)
    {
        long pos = scores.shape[1];
        var s = scores.div(scores.sum(-1, keepdim: true).ClampMin(1e-12)); // [batch, pos]
        var good = Flags(texts, t => t.ShouldMatter, pos, scores.device);
        var bad = Flags(texts, t => t.ShouldNotMatter, pos, scores.device);
        var hasGood = tensor(texts.Select(t => t.ShouldMatter.Any(x => x) ? 1f : 0f).ToArray(), device: scores.device);
        return s.mul(bad).sum(-1).Plus(hasGood.mul(s.mul(good).sum(-1).RSubScalar(1.0)));
    }

    /// <summary>A [batch, pos] float mask of per-token flags, padded with zeros.</summary>
    internal static Tensor Flags(
        IReadOnlyList<TokenFeedback> texts,
        Func<TokenFeedback, IReadOnlyList<bool>> pick,
        long pos,
        Device device
    )
    {
        var m = new float[texts.Count * pos];
        for (int b = 0; b < texts.Count; b++)
        {
            var f = pick(texts[b]);
            for (int t = 0; t < f.Count; t++)
                if (f[t])
                    m[b * pos + t] = 1f;
        }
        return tensor(m, [texts.Count, pos], device: device);
    }
}
