using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing.Structural;

/// <summary>
/// Word representations of parsed sentences, the input of the structural probe: for sentence <c>s</c>,
/// <c>Words[s]</c> is a float32 tensor [n_words, d_model], <c>Heads[s]</c> the 1-based head of each word (0 = root)
/// and <c>IsPunctuation[s]</c> flags the words that the UUAS and root accuracy leave out.
/// </summary>
/// <param name="Words">One tensor [n_words, d_model] per sentence (the caller owns and disposes them).</param>
/// <param name="Heads">1-based head per word, 0 for the root; exactly one root per sentence.</param>
/// <param name="IsPunctuation">Punctuation flag per word.</param>
public sealed record ParsedRepresentations(
    IReadOnlyList<Tensor> Words,
    IReadOnlyList<int[]> Heads,
    IReadOnlyList<bool[]> IsPunctuation
)
{
    /// <summary>Number of sentences.</summary>
    public int Count => Words.Count;

    /// <summary>The representation width (0 when there are no sentences).</summary>
    public int DModel => Words.Count == 0 ? 0 : (int)Words[0].shape[1];

    /// <summary>Checks shapes and trees; throws <see cref="GlassboxException"/> naming the first bad sentence.</summary>
    /// <param name="name">What the data set is called in messages (e.g. "train").</param>
    public void Validate(string name = "representations")
    {
        if (Heads.Count != Words.Count || IsPunctuation.Count != Words.Count)
            throw new GlassboxException(
                $"{name}: {Words.Count} word tensors but {Heads.Count} head arrays and {IsPunctuation.Count} punctuation arrays"
            );
        if (Words.Count == 0)
            throw new GlassboxException($"{name}: no sentences");
        long d = Words[0].dim() == 2 ? Words[0].shape[1] : -1;
        for (int s = 0; s < Words.Count; s++)
        {
            var w = Words[s];
            if (w.dim() != 2 || w.shape[1] != d || w.shape[0] < 1)
                throw new GlassboxException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{name}: sentence {s}: word tensor has shape [{string.Join(", ", w.shape)}], expected [n_words, {d}]"
                    )
                );
            int n = (int)w.shape[0];
            if (Heads[s].Length != n || IsPunctuation[s].Length != n)
                throw new GlassboxException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{name}: sentence {s}: {n} word vectors but {Heads[s].Length} heads and {IsPunctuation[s].Length} punctuation flags"
                    )
                );
            try
            {
                DependencyTree.Validate(Heads[s]);
            }
            catch (GlassboxException e)
            {
                throw new GlassboxException(
                    string.Create(CultureInfo.InvariantCulture, $"{name}: sentence {s}: {e.Message}"),
                    e
                );
            }
        }
    }
}
