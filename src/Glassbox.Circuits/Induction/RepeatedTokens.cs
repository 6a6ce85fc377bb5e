using System.Globalization;
using Glassbox.Models;

namespace Glassbox.Circuits.Induction;

/// <summary>Sequences of T random tokens shown twice (after BOS when the model has one): the standard test for
/// induction heads. Position of token j of the first copy is <c>Offset + j</c>, of the second copy <c>Offset + T + j</c>.</summary>
public sealed class RepeatedTokens
{
    /// <summary>The sequences, each of length <see cref="Offset"/> + 2T.</summary>
    public IReadOnlyList<int[]> Sequences { get; }

    /// <summary>T.</summary>
    public int SegmentLength { get; }

    /// <summary>1 when each sequence starts with BOS, else 0.</summary>
    public int Offset { get; }

    /// <summary>Number of token ids random tokens are drawn from.</summary>
    public int Candidates { get; }

    private RepeatedTokens(IReadOnlyList<int[]> seqs, int t, int offset, int candidates)
    {
        Sequences = seqs;
        SegmentLength = t;
        Offset = offset;
        Candidates = candidates;
    }

    /// <summary>The ordinary token ids of a vocabulary (every id but BOS, EOS and PAD), ascending: the pool random
    /// tokens are drawn from.</summary>
    public static int[] OrdinaryTokens(ModelConfig config)
    {
        var special = new HashSet<int?> { config.BosTokenId, config.EosTokenId, config.PadTokenId };
        return Enumerable.Range(0, config.DVocab).Where(i => !special.Contains(i)).ToArray();
    }

    /// <summary>Draws <paramref name="count"/> sequences for <paramref name="config"/>; special ids (BOS, EOS, PAD) are never drawn.</summary>
    /// <exception cref="InputException">T does not fit the context or the vocabulary is too small.</exception>
    public static RepeatedTokens Make(ModelConfig config, int? segmentLength, int count, long seed)
    {
        int offset = config.BosTokenId is null ? 0 : 1;
        int t = segmentLength ?? Math.Min(50, (config.NCtx - offset) / 2);
        if (t < 2 || offset + 2 * t > config.NCtx)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--segment {t}: two copies of the segment (plus BOS) must fit the context of {config.NCtx} tokens and T must be at least 2"
                )
            );
        if (count < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--sequences must be at least 1, got {count}")
            );
        var ids = OrdinaryTokens(config);
        if (ids.Length < 2)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the vocabulary of {config.DVocab} tokens has too few ordinary tokens"
                )
            );
        var rng = new Random(unchecked((int)seed));
        var seqs = new List<int[]>();
        for (int n = 0; n < count; n++)
        {
            var s = new int[offset + 2 * t];
            if (offset == 1)
                s[0] = config.BosTokenId!.Value;
            for (int j = 0; j < t; j++)
                s[offset + j] = s[offset + t + j] = ids[rng.Next(ids.Length)];
            seqs.Add(s);
        }
        return new RepeatedTokens(seqs, t, offset, ids.Length);
    }
}
