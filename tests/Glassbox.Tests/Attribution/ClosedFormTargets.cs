using Glassbox.Attribution;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Attribution;

/// <summary>Targets whose value is a closed-form function of the token embeddings, computed through the model's call
/// path (a reader on the embedding hook sees the replaced activation), so the attributions have known answers.</summary>
internal static class ClosedFormTargets
{
    /// <summary>F(e) = Σ_pos Σ_d e[pos, d] · w[pos, d]; <paramref name="w"/> [pos, d_model].</summary>
    public static AttributionTarget Linear(HookedTransformer model, Tensor w) =>
        new("linear", model, (batch, hooks) => Through(model, batch, hooks, e => e.mul(w.unsqueeze(0)).sum([1, 2])));

    /// <summary>F(e) = (e[0] · u) (e[1] · v) sigmoid(e[2] · s) — a product with a nonlinearity, for numerical checks.</summary>
    public static AttributionTarget Product(HookedTransformer model, Tensor u, Tensor v, Tensor s) =>
        new("product", model, (batch, hooks) =>
            Through(model, batch, hooks, e =>
                e.select(1, 0)
                    .mul(u)
                    .sum([1])
                    .mul(e.select(1, 1).mul(v).sum([1]))
                    .mul(e.select(1, 2).mul(s).sum([1]).sigmoid())
            )
        );

    private static Tensor Through(
        HookedTransformer model,
        TokenBatch batch,
        IReadOnlyList<Hook> hooks,
        Func<Tensor, Tensor> f
    )
    {
        Tensor? score = null;
        var reader = Hook.Read(HookName.Embed, (x, _) => score = f(x).DetachFromDisposeScope());
        using var run = model.Run(
            batch,
            hooks.Append(reader).ToList(),
            null,
            new RunOptions { KeepGradients = true, StopAtLayer = 0 }
        );
        return score!;
    }
}
