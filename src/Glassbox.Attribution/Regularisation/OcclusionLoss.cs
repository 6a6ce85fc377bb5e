using Glassbox.Classification;
using Glassbox.Models;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Attribution.Regularisation;

/// <summary>The occlusion form of the explanation loss (<see cref="ErMethod.Occlusion"/>): cross-entropy plus λ times,
/// per text with feedback, |p_y(x) − p_y(x ∖ should-not-matter)| + [any should-matter] max(0, p_y(x) − p_y(should-
/// matter only)).</summary>
internal static class OcclusionLoss
{
    public static Tensor Loss(
        SequenceClassifier classifier,
        IReadOnlyList<TokenFeedback> texts,
        IReadOnlyList<int> gold,
        double weight,
        Generator dropout
    )
    {
        var model = classifier.Encoder;
        int pad = model.Tokenizer?.PadId ?? model.Config.PadTokenId ?? 0;
        var device = model.Device;
        var target = tensor(gold.Select(g => (long)g).ToArray(), device: device);
        var idx = target.unsqueeze(1);
        using var full = TokenBatch.FromIds(texts.Select(t => t.Ids).ToList(), pad, device: device);
        var logits = classifier.TrainingLogits(full, dropout); // [batch, n_labels]
        var ce = nn.functional.cross_entropy(logits, target);
        if (weight == 0)
            return ce;
        var p = logits.softmax(-1).gather(1, idx).squeeze(1); // [batch]
        var withoutBad = texts.Select(t => Keep(t, i => !t.ShouldNotMatter[i])).ToList();
        var onlyGood = texts.Select(t => Keep(t, i => t.ShouldMatter[i] || !t.Content[i])).ToList();
        using var b1 = TokenBatch.FromIds(withoutBad, pad, device: device);
        using var b2 = TokenBatch.FromIds(onlyGood, pad, device: device);
        var pBad = classifier.TrainingLogits(b1, null).softmax(-1).gather(1, idx).squeeze(1);
        var pGood = classifier.TrainingLogits(b2, null).softmax(-1).gather(1, idx).squeeze(1);
        var hasBad = Flag(texts.Select(t => t.ShouldNotMatter.Any(x => x)), device);
        var hasGood = Flag(texts.Select(t => t.ShouldMatter.Any(x => x)), device);
        var er = p.sub(pBad).abs().mul(hasBad).Plus(p.sub(pGood).ClampMin(0.0).mul(hasGood)); // [batch]
        var any = Flag(texts.Select(t => t.Any), device);
        return ce.Plus(er.sum().div(any.sum().ClampMin(1.0)).MulScalar(weight));
    }

    private static IReadOnlyList<int> Keep(TokenFeedback t, Func<int, bool> keep)
    {
        var ids = Enumerable.Range(0, t.Ids.Count).Where(keep).Select(i => t.Ids[i]).ToList();
        return ids.Count > 0 ? ids : t.Ids;
    }

    private static Tensor Flag(IEnumerable<bool> xs, Device device) =>
        tensor(xs.Select(x => x ? 1f : 0f).ToArray(), device: device);
}
