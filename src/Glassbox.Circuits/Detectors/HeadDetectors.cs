using System.Globalization;
using Glassbox.Circuits.Induction;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Detectors;

/// <summary>Options of the head detectors.</summary>
public sealed record HeadDetectorOptions
{
    /// <summary>Length of the random token block; each sequence is BOS (when the model has one), the block, and the block again.</summary>
    public int BlockLength { get; init; } = 20;

    /// <summary>Number of random sequences.</summary>
    public int Sequences { get; init; } = 16;

    /// <summary>Seed of the random tokens.</summary>
    public int Seed { get; init; }

    /// <summary>A head gets a label when its score reaches this value.</summary>
    public double Threshold { get; init; } = 0.4;

    /// <summary>Extra hooks for the run (e.g. to hand-set a pattern in tests).</summary>
    public IReadOnlyList<Hook> Hooks { get; init; } = Array.Empty<Hook>();
}

/// <summary>Detector scores of one head, each in [0, 1]: the mean attention weight on the detector's key position.</summary>
/// <param name="Layer">Block index.</param>
/// <param name="Head">Head index.</param>
/// <param name="PreviousToken">Mean attention from each token to the token before it.</param>
/// <param name="DuplicateToken">Mean attention, in the repeated block, to the earlier copy of the same token.</param>
/// <param name="Induction">Mean attention, in the repeated block, to the token after the earlier copy.</param>
/// <param name="FirstToken">Mean attention to position 0 (BOS).</param>
/// <param name="Std">Standard deviation of each score over the sequences, same order.</param>
/// <param name="Labels">Detectors whose score reaches the threshold.</param>
public sealed record HeadScore(
    int Layer,
    int Head,
    double PreviousToken,
    double DuplicateToken,
    double Induction,
    double FirstToken,
    IReadOnlyList<double> Std,
    IReadOnlyList<string> Labels
);

/// <summary>Detector scores of every head.</summary>
/// <param name="Heads">One row per head, layer-major.</param>
/// <param name="UniformBaseline">Score of a head that spreads attention uniformly over the visible tokens, per detector (the control).</param>
/// <param name="Options">Options used.</param>
public sealed record HeadDetectorResult(
    IReadOnlyList<HeadScore> Heads,
    IReadOnlyDictionary<string, double> UniformBaseline,
    HeadDetectorOptions Options
);

/// <summary>
/// TransformerLens-style head detectors: previous-token, duplicate-token, induction and first-token (BOS) heads,
/// scored from attention patterns on seeded sequences of repeated random tokens.
/// </summary>
public static class HeadDetectors
{
    /// <summary>Detector names, in <see cref="HeadScore.Std"/> order.</summary>
    public static readonly string[] Names = { "previous-token", "duplicate-token", "induction", "first-token" };

    /// <summary>Runs the detectors on the model.</summary>
    /// <exception cref="InputException">Options out of range or the sequence does not fit the context.</exception>
    public static HeadDetectorResult Run(HookedTransformer model, HeadDetectorOptions? options = null)
    {
        var o = options ?? new HeadDetectorOptions();
        var c = model.Config;
        if (o.BlockLength < 2)
            throw new InputException("block length must be at least 2");
        if (o.Sequences < 1)
            throw new InputException("sequences must be at least 1");
        if (o.Threshold is < 0 or > 1 || double.IsNaN(o.Threshold))
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"threshold must be in [0, 1], got {o.Threshold}")
            );
        int offset = c.BosTokenId is null ? 0 : 1;
        if (offset + 2L * o.BlockLength > c.NCtx) // long: a block length of 2^31 - 1 overflowed int (fuzz finding)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"block length {o.BlockLength} makes sequences longer than the context {c.NCtx}"
                )
            );
        var seqs = RepeatedTokens
            .Make(c, o.BlockLength, o.Sequences, o.Seed)
            .Sequences.Select(x => (IReadOnlyList<int>)x)
            .ToList();
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(seqs, device: model.Device);
        using var run = model.Run(batch, o.Hooks, HookFilter.Of(HookPoints.AttnPattern));
        var rows = new List<HeadScore>();
        for (int l = 0; l < c.NLayers; l++)
        {
            var s = Score(run.Cache[HookPoints.AttnPattern.Name(l)], o.BlockLength, offset); // [detector, batch, head]
            var mean = s.mean(new long[] { 1 }).contiguous().data<float>().ToArray(); // [detector, head]
            var std = s.std(1).contiguous().data<float>().ToArray();
            for (int h = 0; h < c.NHeads; h++)
            {
                var v = Enumerable.Range(0, 4).Select(d => (double)mean[d * c.NHeads + h]).ToArray();
                var sd = Enumerable
                    .Range(0, 4)
                    .Select(d => o.Sequences > 1 ? (double)std[d * c.NHeads + h] : 0.0)
                    .ToArray();
                var labels = Names.Where((_, d) => v[d] >= o.Threshold).ToList();
                rows.Add(new HeadScore(l, h, v[0], v[1], v[2], v[3], sd, labels));
            }
        }
        // Uniform attention of a bidirectional head spreads over the whole sequence, of a causal head over the prefix.
        var uniform = c.Causal
            ? UniformBaseline(o.BlockLength, offset)
            : Names.ToDictionary(n => n, _ => 1.0 / (offset + 2 * o.BlockLength));
        return new HeadDetectorResult(rows, uniform, o);
    }

    /// <summary>Scores of attention patterns [batch, head, q, k] of sequences [offset tokens] + block + block:
    /// returns [4 detectors, batch, head] in <see cref="Names"/> order.</summary>
    public static Tensor Score(Tensor pattern, int blockLength, int offset)
    {
        long len = pattern.shape[2];
        int n = blockLength;
        if (len != offset + 2 * n)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"pattern length {len} does not match block length {n} with offset {offset}"
                )
            );
        var q = ScalarMath.Arange(1, len, ScalarType.Int64, pattern.device);
        var prev = Pick(pattern, q, q.AddScalar(-1L));
        var q2 = ScalarMath.Arange(offset + n, len, ScalarType.Int64, pattern.device);
        var dup = Pick(pattern, q2, q2.AddScalar(-(long)n));
        var ind = Pick(pattern, q2, q2.AddScalar(1L - n));
        var all = ScalarMath.Arange(0, len, ScalarType.Int64, pattern.device);
        var first = Pick(pattern, all, zeros_like(all));
        return stack(new[] { prev, dup, ind, first }).to_type(ScalarType.Float32); // [4, batch, head]
    }

    // Mean over the given query positions of pattern[.., .., q, k(q)]. // [batch, head]
    private static Tensor Pick(Tensor pattern, Tensor qs, Tensor ks) =>
        pattern
            .index_select(2, qs)
            .gather(3, ks.view(1, 1, -1, 1).expand(pattern.shape[0], pattern.shape[1], -1, 1))
            .squeeze(-1)
            .mean(new long[] { -1 });

    /// <summary>The score a causal head with uniform attention would get, per detector (the control).</summary>
    public static IReadOnlyDictionary<string, double> UniformBaseline(int blockLength, int offset)
    {
        int len = offset + 2 * blockLength;
        double Mean(IEnumerable<int> qs) => qs.Select(q => 1.0 / (q + 1)).Average();
        var second = Enumerable.Range(offset + blockLength, blockLength).ToList();
        return new Dictionary<string, double>
        {
            [Names[0]] = Mean(Enumerable.Range(1, len - 1)),
            [Names[1]] = Mean(second),
            [Names[2]] = Mean(second),
            [Names[3]] = Mean(Enumerable.Range(0, len)),
        };
    }
}
