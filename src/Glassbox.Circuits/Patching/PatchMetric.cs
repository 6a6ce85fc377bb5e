using System.Globalization;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Patching;

/// <summary>
/// A patching metric: a named function from output logits [batch, pos, vocab] to one score per example [batch].
/// Scores must be finite; <see cref="Evaluate"/> raises <see cref="PatchingMetricException"/> otherwise.
/// </summary>
/// <param name="Name">Display name, e.g. <c>logit_diff(' Lily' - ' Ben')</c>.</param>
/// <param name="Function">Logits [batch, pos, vocab] → scores [batch].</param>
public sealed record PatchMetric(string Name, Func<Tensor, Tensor> Function)
{
    /// <summary>Logit of <paramref name="answer"/> minus logit of <paramref name="wrong"/> at position
    /// <paramref name="position"/> (negative counts from the end; -1 is the last position).</summary>
    public static PatchMetric LogitDiff(int answer, int wrong, int position = -1, string? label = null) =>
        new(label ?? string.Create(CultureInfo.InvariantCulture, $"logit_diff({answer} - {wrong})"), logits =>
        {
            var last = logits.select(1, position); // [batch, vocab]
            return last.select(1, answer) - last.select(1, wrong); // [batch]
        });

    /// <summary>Softmax probability of <paramref name="token"/> at <paramref name="position"/> (default last).</summary>
    public static PatchMetric Probability(int token, int position = -1, string? label = null) =>
        new(label ?? string.Create(CultureInfo.InvariantCulture, $"p({token})"), logits =>
            logits.select(1, position).to_type(ScalarType.Float32).softmax(-1).select(1, token)
        ); // [batch]

    /// <summary>Mean next-token cross-entropy of <paramref name="tokens"/> (the input ids, shared by every row)
    /// under the logits: position i predicts token i+1. Lower is better.</summary>
    public static PatchMetric Loss(IReadOnlyList<int> tokens, string label = "loss")
    {
        if (tokens.Count < 2)
            throw new InputException("the loss metric needs at least 2 tokens");
        var targets = tokens.Skip(1).Select(t => (long)t).ToArray();
        return new(label, logits =>
        {
            var lp = logits.narrow(1, 0, targets.Length).to_type(ScalarType.Float32).log_softmax(-1); // [batch, pos-1, vocab]
            var idx = tensor(targets, device: logits.device).view(1, -1, 1).expand(lp.shape[0], -1, 1);
            return -lp.gather(2, idx).squeeze(2).mean(new long[] { 1 }); // [batch]
        });
    }

    /// <summary>Applies the metric and checks its output: one finite value per example.</summary>
    /// <param name="logits">[batch, pos, vocab].</param>
    /// <returns>Scores, one per example.</returns>
    /// <exception cref="PatchingMetricException">Wrong shape, or a NaN/infinite score.</exception>
    public float[] Evaluate(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var s = Function(logits); // [batch]
        if (s.dim() != 1 || s.shape[0] != logits.shape[0])
            throw new PatchingMetricException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"metric '{Name}' returned shape [{string.Join(", ", s.shape)}], expected [{logits.shape[0]}] (one score per example)"
                )
            );
        var v = s.detach().to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        for (int i = 0; i < v.Length; i++)
            if (!float.IsFinite(v[i]))
                throw new PatchingMetricException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"metric '{Name}' returned {v[i]} for example {i}; it must be finite"
                    )
                );
        return v;
    }
}

/// <summary>A patching metric returned a non-finite score or a wrong shape.</summary>
public sealed class PatchingMetricException : GlassboxException
{
    /// <inheritdoc cref="GlassboxException(string, Exception?)"/>
    public PatchingMetricException(string message, Exception? inner = null)
        : base(message, inner) { }
}
