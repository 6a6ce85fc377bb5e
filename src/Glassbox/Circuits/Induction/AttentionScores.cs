using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Induction;

/// <summary>Pattern-based head scores on repeated sequences.</summary>
public static class AttentionScores
{
    /// <summary>Mean attention from every position q ≥ 1 to q - 1, per head.</summary>
    /// <param name="pattern">Attention pattern [batch, head, q, k].</param>
    public static double[] PreviousToken(Tensor pattern)
    {
        using var scope = NewDisposeScope();
        long p = pattern.shape[2];
        var sub = pattern.diagonal(-1, 2, 3);                                   // [batch, head, p-1]
        return sub.mean(new long[] { 0, 2 }).to_type(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>Prefix-matching score per head: mean attention from each position q of the second copy
    /// (offset + T ≤ q &lt; offset + 2T) to q - T + 1.</summary>
    /// <param name="pattern">Attention pattern [batch, head, q, k].</param>
    /// <param name="segmentLength">T.</param>
    /// <param name="offset">Index of the first token of the first copy (1 after BOS).</param>
    public static double[] PrefixMatching(Tensor pattern, int segmentLength, int offset)
    {
        using var scope = NewDisposeScope();
        var diag = pattern.diagonal(-(segmentLength - 1), 2, 3);               // [batch, head, p-T+1]: entry j = pattern[j+T-1, j]
        var second = diag.narrow(2, offset + 1, segmentLength);                // q = offset+T .. offset+2T-1
        return second.mean(new long[] { 0, 2 }).to_type(ScalarType.Float64).data<double>().ToArray();
    }
}
