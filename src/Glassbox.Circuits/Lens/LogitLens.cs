using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Lens;

/// <summary>Options of the logit lens.</summary>
public sealed record LogitLensOptions
{
    /// <summary>Top tokens kept per layer and position.</summary>
    public int TopK { get; init; } = 5;

    /// <summary>A token whose probability and rank are tracked through the layers, or null.</summary>
    public int? Target { get; init; }
}

/// <summary>One decoded token.</summary>
/// <param name="Id">Token id.</param>
/// <param name="Text">Token text.</param>
/// <param name="Prob">Probability under the decoded distribution.</param>
public sealed record LensToken(int Id, string Text, double Prob);

/// <summary>The decoded residual at one layer and position.</summary>
/// <param name="Position">Token position.</param>
/// <param name="Top">Most likely tokens, best first.</param>
/// <param name="TargetProb">Probability of the target token, when one was given.</param>
/// <param name="TargetRank">Rank of the target token (0 = top), when one was given.</param>
public sealed record LensCell(int Position, IReadOnlyList<LensToken> Top, double? TargetProb, int? TargetRank);

/// <summary>One layer of the lens: "embed" (the residual entering block 0) or "L{l}" (after block l).</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Cells">One cell per position.</param>
public sealed record LensLayer(string Name, IReadOnlyList<LensCell> Cells);

/// <summary>The logit lens of one text.</summary>
/// <param name="Tokens">Input tokens.</param>
/// <param name="Target">Tracked token id, or null.</param>
/// <param name="TargetText">Tracked token text, or null.</param>
/// <param name="Layers">Embeddings first, then every block.</param>
/// <param name="LastLayerMaxAbsDiff">Control: max |lens logits of the last layer − real logits| (should be ~0).</param>
public sealed record LogitLensResult(
    IReadOnlyList<string> Tokens,
    int? Target,
    string? TargetText,
    IReadOnlyList<LensLayer> Layers,
    double LastLayerMaxAbsDiff
);

/// <summary>The logit lens (nostalgebraist 2020): each intermediate residual stream (<c>hook_resid_post</c> of every
/// block, plus the embeddings) decoded through the final norm and the unembedding, as if the model stopped there.</summary>
public static class LogitLens
{
    /// <summary>Lens logits of every layer: index 0 is the embeddings, index l+1 is after block l.
    /// // [n_layers + 1, pos, d_vocab]</summary>
    /// <param name="model">A causal LM.</param>
    /// <param name="ids">One token sequence.</param>
    /// <param name="realLogits">The model's own logits [pos, d_vocab] (returned for controls).</param>
    public static Tensor LayerLogits(HookedTransformer model, IReadOnlyList<int> ids, out Tensor realLogits)
    {
        Unembedding.RequireLm(model, "the logit lens");
        int n = model.Config.NLayers;
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(ids, model.Device);
        using var run = model.RunWithCache(batch, name =>
            name == HookName.ResidPre(0) || HookPoints.ResidPost.Matches(name)
        );
        var resid = stack(
            new[] { run.Cache[HookName.ResidPre(0)][0] }
                .Concat(Enumerable.Range(0, n).Select(l => run.Cache[HookName.ResidPost(l)][0]))
                .ToArray()
        ); // [n_layers + 1, pos, d_model]
        Tensor logits;
        using (no_grad())
            logits = Unembedding.Decode(model, resid);
        realLogits = run.Output[0].clone().MoveToOuterDisposeScope();
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Runs the lens on one token sequence.</summary>
    /// <exception cref="InputException">The model is not a causal LM, the sequence is empty or the target is out of range.</exception>
    public static LogitLensResult Run(HookedTransformer model, IReadOnlyList<int> ids, LogitLensOptions? options = null)
    {
        var o = options ?? new LogitLensOptions();
        if (o.TopK < 1)
            throw new InputException("top-k must be at least 1");
        if (o.Target is int t && (t < 0 || t >= model.Config.DVocab))
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"target token id {t} is outside the vocabulary 0..{model.Config.DVocab - 1}"
                )
            );
        using var scope = NewDisposeScope();
        var logits = LayerLogits(model, ids, out var real); // [layers+1, pos, vocab]
        double diff = (logits[-1] - real).abs().max().item<float>();
        var probs = logits.softmax(-1);
        int k = Math.Min(o.TopK, model.Config.DVocab);
        var (topP, topI) = probs.topk(k, -1);
        float[] tp = topP.data<float>().ToArray();
        long[] ti = topI.data<long>().ToArray();
        float[]? targetP = null;
        long[]? targetRank = null;
        if (o.Target is int target)
        {
            var pt = probs[.., .., target]; // [layers+1, pos]
            targetP = pt.contiguous().data<float>().ToArray();
            targetRank = (probs > pt.unsqueeze(-1)).sum(-1).contiguous().data<long>().ToArray();
        }
        int layers = (int)logits.shape[0],
            pos = (int)logits.shape[1];
        var result = new List<LensLayer>();
        for (int l = 0; l < layers; l++)
        {
            var cells = new List<LensCell>();
            for (int p = 0; p < pos; p++)
            {
                int baseIdx = (l * pos + p) * k;
                var top = Enumerable
                    .Range(0, k)
                    .Select(j => new LensToken(
                        (int)ti[baseIdx + j],
                        Unembedding.Text(model, (int)ti[baseIdx + j]),
                        tp[baseIdx + j]
                    ))
                    .ToList();
                cells.Add(
                    new LensCell(
                        p,
                        top,
                        targetP?[l * pos + p],
                        targetRank is null ? null : (int)targetRank[l * pos + p]
                    )
                );
            }
            result.Add(
                new LensLayer(l == 0 ? "embed" : string.Create(CultureInfo.InvariantCulture, $"L{l - 1}"), cells)
            );
        }
        return new LogitLensResult(
            ids.Select(i => Unembedding.Text(model, i)).ToList(),
            o.Target,
            o.Target is int tt ? Unembedding.Text(model, tt) : null,
            result,
            diff
        );
    }
}
