using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>Which side of a sequence padding goes on.</summary>
public enum PaddingSide
{
    /// <summary>Pad after the tokens (usual for encoders).</summary>
    Right,

    /// <summary>Pad before the tokens (usual for generation with decoders).</summary>
    Left,
}

/// <summary>
/// A padded batch of token sequences with its attention mask and position ids. Position ids count only real
/// tokens (0, 1, 2, ... from each sequence's first real token), so every sequence gives the same result as it
/// would alone, whichever side is padded. Dispose it to free its tensors.
/// </summary>
public sealed class TokenBatch : IDisposable
{
    /// <summary>Token ids [batch, pos] (int64).</summary>
    public Tensor Ids { get; }

    /// <summary>1 for real tokens, 0 for padding [batch, pos] (bool).</summary>
    public Tensor Mask { get; }

    /// <summary>Position ids [batch, pos] (int64).</summary>
    public Tensor PositionIds { get; }

    /// <summary>Token-type ids [batch, pos] (int64), all zero unless given.</summary>
    public Tensor TokenTypeIds { get; }

    /// <summary>Number of real tokens of each sequence.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>Padding side.</summary>
    public PaddingSide Side { get; }

    /// <summary>Whether any sequence is padded.</summary>
    public bool HasPadding { get; }

    /// <summary>Batch size.</summary>
    public int BatchSize => Lengths.Count;

    /// <summary>Padded length.</summary>
    public int Length => (int)Ids.shape[1];

    private TokenBatch(
        Tensor ids,
        Tensor mask,
        Tensor pos,
        Tensor types,
        IReadOnlyList<int> lengths,
        PaddingSide side,
        bool padded
    )
    {
        Ids = ids;
        Mask = mask;
        PositionIds = pos;
        TokenTypeIds = types;
        Lengths = lengths;
        Side = side;
        HasPadding = padded;
    }

    /// <summary>Index in the padded row of token <paramref name="i"/> of sequence <paramref name="b"/>.</summary>
    public int PaddedIndex(int b, int i) => Side == PaddingSide.Left ? Length - Lengths[b] + i : i;

    /// <summary>Builds a padded batch from token-id sequences.</summary>
    /// <param name="sequences">One list of ids per sequence (each non-empty).</param>
    /// <param name="padId">Id written into padded slots (masked out, never attended to).</param>
    /// <param name="side">Padding side.</param>
    /// <param name="tokenTypes">Optional token-type ids, same lengths as <paramref name="sequences"/>.</param>
    /// <param name="device">Device for the tensors (CPU when null).</param>
    /// <exception cref="InputException">A sequence is empty or token types do not match.</exception>
    public static TokenBatch FromIds(
        IReadOnlyList<IReadOnlyList<int>> sequences,
        int padId = 0,
        PaddingSide side = PaddingSide.Right,
        IReadOnlyList<IReadOnlyList<int>>? tokenTypes = null,
        Device? device = null
    )
    {
        if (sequences.Count == 0)
            throw new InputException("a batch needs at least one sequence");
        int n = sequences.Count,
            len = sequences.Max(s => s.Count);
        if (len == 0)
            throw new InputException("every sequence needs at least one token");
        var ids = new long[n * len];
        var mask = new bool[n * len];
        var pos = new long[n * len];
        var types = new long[n * len];
        var lengths = new int[n];
        for (int b = 0; b < n; b++)
        {
            var s = sequences[b];
            if (s.Count == 0)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"sequence {b} of the batch is empty")
                );
            if (tokenTypes is not null && tokenTypes[b].Count != s.Count)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"token types of sequence {b} have length {tokenTypes[b].Count}, expected {s.Count}"
                    )
                );
            lengths[b] = s.Count;
            int off = side == PaddingSide.Left ? len - s.Count : 0;
            for (int j = 0; j < len; j++)
                ids[b * len + j] = padId;
            for (int i = 0; i < s.Count; i++)
            {
                int k = b * len + off + i;
                ids[k] = s[i];
                mask[k] = true;
                pos[k] = i;
                types[k] = tokenTypes?[b][i] ?? 0;
            }
        }
        var dev = device ?? CPU;
        return new TokenBatch(
            tensor(ids, new long[] { n, len }, device: dev),
            tensor(mask, new long[] { n, len }, device: dev),
            tensor(pos, new long[] { n, len }, device: dev),
            tensor(types, new long[] { n, len }, device: dev),
            lengths,
            side,
            lengths.Any(l => l != len)
        );
    }

    /// <summary>A batch of one sequence.</summary>
    public static TokenBatch Single(IReadOnlyList<int> ids, Device? device = null) =>
        FromIds(new[] { ids }, device: device);

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Ids.Dispose();
        Mask.Dispose();
        PositionIds.Dispose();
        TokenTypeIds.Dispose();
    }
}
