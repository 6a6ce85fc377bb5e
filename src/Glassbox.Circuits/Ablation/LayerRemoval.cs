using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Ablation;

/// <summary>The layer-removal curve.</summary>
/// <param name="BaselineLoss">Loss of the intact model.</param>
/// <param name="SkippedLoss">Loss with block l skipped (resid_post(l) := resid_pre(l)), per layer.</param>
/// <param name="AllSkippedLoss">Loss with every block skipped (embeddings straight to the unembedding): the control.</param>
public sealed record LayerRemovalResult(double BaselineLoss, IReadOnlyList<double> SkippedLoss, double AllSkippedLoss);

/// <summary>Skips blocks one at a time by replacing each block's output residual with its input residual, and
/// records the next-token loss (how much the model relies on each layer).</summary>
public static class LayerRemoval
{
    /// <summary>Hooks that skip the given blocks.</summary>
    public static IReadOnlyList<Hook> SkipHooks(IEnumerable<int> layers)
    {
        var hooks = new List<Hook>();
        foreach (int l in layers)
        {
            Tensor? saved = null;
            hooks.Add(new Hook(HookName.ResidPre(l), (x, _) =>
                {
                    saved = x;
                    return null;
                }));
            hooks.Add(
                new Hook(HookName.ResidPost(l), (x, _) =>
                    saved
                    ?? throw new HookException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"resid_pre of layer {l} was not seen before resid_post"
                        )
                    )
                )
            );
        }
        return hooks;
    }

    /// <summary>Computes the curve on a batch.</summary>
    /// <exception cref="MetricException">A loss is NaN or infinite.</exception>
    public static LayerRemovalResult Run(HookedTransformer m, TokenBatch batch, Action<int, int>? progress = null)
    {
        int n = m.Config.NLayers;
        double baseline = Ablator.Loss(m, batch);
        var skipped = new List<double>();
        for (int l = 0; l < n; l++)
        {
            skipped.Add(Ablator.Loss(m, batch, SkipHooks(new[] { l })));
            progress?.Invoke(l + 1, n + 1);
        }
        double all = Ablator.Loss(m, batch, SkipHooks(Enumerable.Range(0, n)));
        progress?.Invoke(n + 1, n + 1);
        return new LayerRemovalResult(baseline, skipped, all);
    }
}
