using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>A token and the logit a unit's output direction gives it.</summary>
/// <param name="Token">Token text.</param>
/// <param name="Logit">Direct logit effect of one unit of activation.</param>
public sealed record TokenEffect(string Token, double Logit);

/// <summary>The tokens a unit promotes and suppresses directly: its output direction (an MLP neuron's W_out column, a
/// residual dimension's basis vector) through the frozen final norm and the unembedding, as in Geva et al. (2022).</summary>
public static class LogitEffects
{
    /// <summary>The <paramref name="k"/> most promoted and most suppressed tokens of <paramref name="unit"/>, or null when
    /// the model has no unembedding or the unit's hook has no fixed output direction (SAE features: use their decoder
    /// row via <see cref="OfDirection"/>).</summary>
    public static (IReadOnlyList<TokenEffect> Promoted, IReadOnlyList<TokenEffect> Suppressed)? For(
        HookedTransformer model,
        UnitRef unit,
        int k = 10
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(unit);
        if (!model.Config.HasUnembed || !model.Config.Causal || unit.Sae || model.Config.PostNorm)
            return null;
        var (point, layer) = HookName.Parse(unit.Hook);
        using var scope = NewDisposeScope();
        Tensor direction;
        if (point == HookPoints.MlpPost && layer is int l)
            direction = model.Weights[string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.mlp.W_out")][
                ..,
                unit.Index
            ];
        else if (point.Shape.Count == 3 && point.Shape[2] == "d_model")
            direction = zeros(model.Config.DModel).index_fill(0, tensor(new long[] { unit.Index }), 1.0.ToScalar());
        else
            return null;
        return OfDirection(model, direction, k);
    }

    /// <summary>Promoted and suppressed tokens of a residual-stream direction [d_model].</summary>
    public static (IReadOnlyList<TokenEffect> Promoted, IReadOnlyList<TokenEffect> Suppressed) OfDirection(
        HookedTransformer model,
        Tensor direction,
        int k = 10
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(direction);
        using var scope = NewDisposeScope();
        var d = Unembedding.ThroughFinalNorm(model, direction.to(ScalarType.Float32).view(-1, 1)); // [d_model, 1]
        var logits = Unembedding.WU(model).to(ScalarType.Float32).matmul(d).squeeze(1); // [d_vocab]
        int n = Math.Min(k, (int)logits.shape[0]);
        return (Top(model, logits, n), Top(model, logits.neg(), n, -1));
    }

    private static TokenEffect[] Top(HookedTransformer model, Tensor logits, int n, double sign = 1)
    {
        var (v, i) = logits.topk(n);
        var values = v.data<float>().ToArray();
        var ids = i.data<long>().ToArray();
        return ids.Select((id, j) => new TokenEffect(Unembedding.Text(model, (int)id), sign * values[j])).ToArray();
    }
}
