using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Attribution;

/// <summary>Occlusion (after Captum's Occlusion, on token ids): a window of <c>width</c> tokens slides over the
/// sequence with stride 1 and is replaced by a baseline token; each token's attribution is the mean drop
/// F(input) − F(occluded) over the windows that cover it. Special tokens (BOS/[CLS], EOS/[SEP]) are never occluded.</summary>
public static class Occlusion
{
    /// <summary>Occlusion attributions of one sequence.</summary>
    /// <param name="target">What is explained.</param>
    /// <param name="ids">Token ids.</param>
    /// <param name="baselineToken">The token written into the window (pad or [MASK] id).</param>
    /// <param name="width">Window width in tokens (≥ 1).</param>
    /// <param name="batchSize">Occluded copies per forward.</param>
    /// <exception cref="InputException">Empty sequence, width below 1, token id out of range.</exception>
    public static TokenAttribution Attribute(
        AttributionTarget target,
        IReadOnlyList<int> ids,
        int baselineToken,
        int width = 1,
        int batchSize = 32
    )
    {
        if (width < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"occlusion window must be at least 1 token, got {width}")
            );
        var model = target.Model;
        if (baselineToken < 0 || baselineToken >= model.Config.DVocab)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"baseline token {baselineToken} is outside the vocabulary")
            );
        var special = new HashSet<int>();
        if (model.Tokenizer is { } tok)
            foreach (var s in new[] { tok.BosId, tok.EosId })
                if (s is { } id)
                    special.Add(id);
        var free = Enumerable.Range(0, ids.Count).Where(i => !special.Contains(ids[i])).ToArray();
        using var one = IntegratedGradients.Single(model, ids);
        double fx = Score(target, [ids.ToArray()])[0];
        // Windows over the occludable positions (consecutive in that list), plus the all-occluded copy for completeness.
        var windows = new List<int[]>();
        for (int s = 0; s + Math.Min(width, free.Length) <= free.Length && free.Length > 0; s++)
            windows.Add(free.Skip(s).Take(width).ToArray());
        var copies = windows
            .Select(w => Occlude(ids, w, baselineToken))
            .Append(Occlude(ids, free, baselineToken))
            .ToList();
        var scores = new List<double>();
        for (int s = 0; s < copies.Count; s += Math.Max(1, batchSize))
            scores.AddRange(Score(target, copies.Skip(s).Take(Math.Max(1, batchSize)).ToList()));
        var sum = new double[ids.Count];
        var count = new int[ids.Count];
        for (int w = 0; w < windows.Count; w++)
            foreach (int i in windows[w])
            {
                sum[i] += fx - scores[w];
                count[i]++;
            }
        return new TokenAttribution
        {
            Method = "occlusion",
            Target = target.Name,
            Hook = HookName.Embed,
            Baseline = model.Tokenizer?.TokenToString(baselineToken)
                ?? baselineToken.ToString(CultureInfo.InvariantCulture),
            Ids = ids.ToArray(),
            Tokens = IntegratedGradients.Labels(model, ids),
            Scores = sum.Select((v, i) => count[i] == 0 ? 0 : v / count[i]).ToArray(),
            Output = fx,
            BaselineOutput = scores[^1],
        };
    }

    private static int[] Occlude(IReadOnlyList<int> ids, IEnumerable<int> at, int token)
    {
        var copy = ids.ToArray();
        foreach (int i in at)
            copy[i] = token;
        return copy;
    }

    private static double[] Score(AttributionTarget target, IReadOnlyList<int[]> rows)
    {
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(rows.Cast<IReadOnlyList<int>>().ToList(), 0, device: target.Model.Device);
        using var noGrad = no_grad();
        var s = target.Score(batch, Array.Empty<Hook>()).detach().to_type(ScalarType.Float64).cpu();
        var v = s.data<double>().ToArray();
        if (v.Any(d => !double.IsFinite(d)))
            throw new InputException($"target {target.Name} is not finite on an occluded input");
        return v;
    }
}
