using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Lens;

/// <summary>Options of direct logit attribution.</summary>
public sealed record DlaOptions
{
    /// <summary>Target token id (its logit, or the logit difference to <see cref="Contrast"/>).</summary>
    public required int Target { get; init; }

    /// <summary>Contrast token id: the direction is W_U[target] − W_U[contrast]; null for the plain target logit.</summary>
    public int? Contrast { get; init; }

    /// <summary>Position to attribute; negative counts from the end (-1 = last token).</summary>
    public int Position { get; init; } = -1;
}

/// <summary>One additive part of the final residual stream and its direct effect on the logit (difference).</summary>
/// <param name="Name">"embed", "pos_embed", "L{l}H{h}", "L{l}.attn_bias", "L{l}.mlp" or "bias".</param>
/// <param name="Kind">embed | pos_embed | head | attn_bias | mlp | bias.</param>
/// <param name="Layer">Block index, when the part belongs to one.</param>
/// <param name="Head">Head index for heads.</param>
/// <param name="Value">Direct contribution to the logit (difference).</param>
public sealed record DlaComponent(string Name, string Kind, int? Layer, int? Head, double Value);

/// <summary>Direct logit attribution at one position.</summary>
/// <param name="Position">Attributed position.</param>
/// <param name="Token">Token at that position.</param>
/// <param name="Target">Target token id.</param>
/// <param name="TargetText">Target token text.</param>
/// <param name="Contrast">Contrast token id, or null.</param>
/// <param name="ContrastText">Contrast token text, or null.</param>
/// <param name="Components">Every part, in model order, ending with the "bias" term (final norm bias and b_U).</param>
/// <param name="Sum">Sum of all parts.</param>
/// <param name="Actual">The model's real logit (difference).</param>
/// <param name="Error">|Sum − Actual| (a check that the decomposition is exact; ~1e-6).</param>
/// <param name="PredictedText">The model's top next token at the position.</param>
public sealed record DlaResult(
    int Position,
    string Token,
    int Target,
    string TargetText,
    int? Contrast,
    string? ContrastText,
    IReadOnlyList<DlaComponent> Components,
    double Sum,
    double Actual,
    double Error,
    string PredictedText
);

/// <summary>
/// Direct logit attribution: the final residual stream at a position is a sum of embeddings, every head's output,
/// attention output biases and MLP outputs. With the final norm's scale frozen (its <c>hook_scale</c> from the real
/// run), the norm is linear, so each part's direct effect on a logit (difference) is its normalised projection on
/// the unembedding direction. LayerNorm centres each part (mean over d_model removed); RMSNorm does not. The
/// norm's bias and the unembedding bias form their own "bias" term, so parts + bias equal the real logit exactly.
/// </summary>
public static class DirectLogitAttribution
{
    /// <summary>Attributes the logit (difference) at one position of one token sequence.</summary>
    /// <exception cref="InputException">Not a causal LM, bad position, or token ids out of range.</exception>
    public static DlaResult Run(HookedTransformer model, IReadOnlyList<int> ids, DlaOptions options)
    {
        Unembedding.RequireLm(model, "direct logit attribution");
        var c = model.Config;
        CheckToken(c, options.Target, "target");
        if (options.Contrast is int ct)
            CheckToken(c, ct, "contrast");
        int pos = options.Position < 0 ? ids.Count + options.Position : options.Position;
        if (pos < 0 || pos >= ids.Count)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"position {options.Position} is outside the text's {ids.Count} tokens"
                )
            );

        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(ids, model.Device);
        using var run = model.RunWithCache(batch, null, new RunOptions { UseAttnResult = true });
        var cache = run.Cache;
        var parts = new List<(DlaComponent Meta, Tensor Vec)>(); // vectors [d_model]
        void Add(string name, string kind, int? layer, int? head, Tensor v) =>
            parts.Add((new DlaComponent(name, kind, layer, head, 0), v.to_type(ScalarType.Float64)));
        Add("embed", "embed", null, null, cache[HookName.Embed][0, pos]);
        if (c.Positions == PositionKind.Learned)
            Add("pos_embed", "pos_embed", null, null, cache[HookName.PosEmbed][0, pos]);
        for (int l = 0; l < c.NLayers; l++)
        {
            var result = cache[HookPoints.AttnResult.Name(l)][0, pos]; // [head, d_model]
            for (int h = 0; h < c.NHeads; h++)
                Add(string.Create(CultureInfo.InvariantCulture, $"L{l}H{h}"), "head", l, h, result[h]);
            if (
                model.Weights.TryGetValue(
                    string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.attn.b_O"),
                    out var bO
                )
            )
                Add(string.Create(CultureInfo.InvariantCulture, $"L{l}.attn_bias"), "attn_bias", l, null, bO);
            if (c.HasMlp)
                Add(
                    string.Create(CultureInfo.InvariantCulture, $"L{l}.mlp"),
                    "mlp",
                    l,
                    null,
                    cache[HookName.MlpOut(l)][0, pos]
                );
        }
        var comps = stack(parts.Select(p => p.Vec).ToArray()); // [n_parts, d_model]
        var wu = Unembedding.WU(model).to_type(ScalarType.Float64);
        var dir = wu[options.Target].clone(); // [d_model]
        if (options.Contrast is int con)
            dir = dir - wu[con];
        double bias = 0;
        if (Unembedding.BU(model) is Tensor bu)
            bias += bu[options.Target].ToDouble() - (options.Contrast is int cc ? bu[cc].ToDouble() : 0);
        if (Unembedding.HasFinalNorm(model))
        {
            var scale = cache[HookPoints.LnFinalScale.Name()][0, pos].to_type(ScalarType.Float64); // [1]
            comps = Unembedding.FrozenFinalNorm(model, comps, scale);
            if (model.Weights.TryGetValue("ln_final.b", out var lb))
                bias += lb.to_type(ScalarType.Float64).dot(dir).item<double>();
        }
        double[] values = comps.matmul(dir).data<double>().ToArray();
        var list = parts.Select((p, i) => p.Meta with { Value = values[i] }).ToList();
        list.Add(new DlaComponent("bias", "bias", null, null, bias));
        var logits = run.Output[0, pos]; // [d_vocab]
        double actual = logits[options.Target].ToDouble() - (options.Contrast is int c2 ? logits[c2].ToDouble() : 0);
        double sum = list.Sum(x => x.Value);
        int predicted = (int)logits.argmax().item<long>();
        return new DlaResult(
            pos,
            Unembedding.Text(model, ids[pos]),
            options.Target,
            Unembedding.Text(model, options.Target),
            options.Contrast,
            options.Contrast is int c3 ? Unembedding.Text(model, c3) : null,
            list,
            sum,
            actual,
            Math.Abs(sum - actual),
            Unembedding.Text(model, predicted)
        );
    }

    private static void CheckToken(ModelConfig c, int id, string what)
    {
        if (id < 0 || id >= c.DVocab)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{what} token id {id} is outside the vocabulary 0..{c.DVocab - 1}"
                )
            );
    }
}
