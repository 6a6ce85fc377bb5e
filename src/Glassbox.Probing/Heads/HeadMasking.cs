using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Probing.Heads;

/// <summary>Result of <see cref="HeadMasking.Run"/>.</summary>
/// <param name="Metric">What was measured (e.g. "LM loss (nats/token)").</param>
/// <param name="Baseline">The metric without masking.</param>
/// <param name="Masked">The metric with each head masked [layer][head].</param>
/// <param name="HigherIsBetter">Whether larger metric values are better (an accuracy) rather than worse (a loss).</param>
public sealed record HeadMaskingResult(string Metric, double Baseline, double[][] Masked, bool HigherIsBetter = false)
{
    /// <summary>Masked minus baseline [layer][head] (for a loss, positive = the head helps); derived.</summary>
    public double[][] Delta => Masked.Select(r => r.Select(v => v - Baseline).ToArray()).ToArray();

    /// <summary>The <paramref name="count"/> heads whose masking hurts the metric most: (layer, head, delta).</summary>
    public IReadOnlyList<(int Layer, int Head, double Delta)> MostHarmful(int count) =>
        Delta
            .SelectMany((row, l) => row.Select((v, h) => (l, h, v)))
            .OrderBy(x => HigherIsBetter ? x.v : -x.v)
            .Take(count)
            .ToList();
}

/// <summary>Head ablation (Michel et al. 2019 style): zero one head's output <c>attn.hook_z</c> slice at every
/// position and re-measure a metric.</summary>
public static class HeadMasking
{
    /// <summary>A hook that zeroes heads <paramref name="heads"/> of layer <paramref name="layer"/> (their hook_z slices).</summary>
    public static Hook MaskHeads(int layer, IReadOnlyList<long> heads) =>
        Hook.Zero(HookPoints.AttnZ.Name(layer), heads: heads);

    /// <summary>Measures the metric unmasked and with each head masked in turn.</summary>
    /// <param name="model">The model.</param>
    /// <param name="metric">Runs the model with the given hooks and returns a number (e.g. <see cref="LanguageModelLoss.Metric"/>,
    /// or a probe's accuracy for encoders).</param>
    /// <param name="metricName">Name of the metric for reports.</param>
    /// <param name="progress">Called with the number of heads done.</param>
    /// <param name="higherIsBetter">Whether larger metric values are better (accuracies) rather than worse (losses).</param>
    public static HeadMaskingResult Run(
        HookedTransformer model,
        Func<HookedTransformer, IReadOnlyList<Hook>, double> metric,
        string metricName = "metric",
        Action<int>? progress = null,
        bool higherIsBetter = false
    )
    {
        int L = model.Config.NLayers,
            H = model.Config.NHeads;
        double baseline = metric(model, Array.Empty<Hook>());
        var masked = new double[L][];
        for (int l = 0; l < L; l++)
        {
            masked[l] = new double[H];
            for (int h = 0; h < H; h++)
            {
                masked[l][h] = metric(model, new[] { MaskHeads(l, new long[] { h }) });
                progress?.Invoke(l * H + h + 1);
            }
        }
        return new HeadMaskingResult(metricName, baseline, masked, higherIsBetter);
    }
}
