using System.Globalization;
using Glassbox.Circuits.Lens;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Weights;

/// <summary>Copying score of one head: eigenvalue statistic of its full OV circuit.</summary>
/// <param name="Layer">Block index.</param>
/// <param name="Head">Head index.</param>
/// <param name="Score">Re(Σλ)/Σ|λ| of W_E W_OV W_U's eigenvalues, in [-1, 1].</param>
/// <param name="TopSingularValue">Largest singular value of the full OV circuit.</param>
public sealed record CopyingScore(int Layer, int Head, double Score, double TopSingularValue);

/// <summary>Composition between a head of an earlier layer and one of a later layer.</summary>
/// <param name="From">Earlier head (writes).</param>
/// <param name="To">Later head (reads).</param>
/// <param name="Q">Q-composition ‖W_OV¹ W_QK²‖ / (‖W_OV¹‖ ‖W_QK²‖).</param>
/// <param name="K">K-composition ‖W_OV¹ W_QK²ᵀ‖ / (‖W_OV¹‖ ‖W_QK²‖).</param>
/// <param name="V">V-composition ‖W_OV¹ W_OV²‖ / (‖W_OV¹‖ ‖W_OV²‖).</param>
public sealed record Composition(string From, string To, double Q, double K, double V);

/// <summary>Top next tokens of the direct path (W_E W_U) for one source token.</summary>
/// <param name="Source">Source token id.</param>
/// <param name="SourceText">Source token text.</param>
/// <param name="Next">Most promoted next tokens (text, logit), best first.</param>
public sealed record Bigram(int Source, string SourceText, IReadOnlyList<TokenLogit> Next);

/// <summary>A token and a logit (or logit change).</summary>
/// <param name="Token">Token text.</param>
/// <param name="Logit">Value.</param>
public sealed record TokenLogit(string Token, double Logit);

/// <summary>
/// Weights read as circuits (Elhage et al. 2021): each head's full OV circuit W_E W_V W_O W_U and QK circuit
/// W_E W_Q W_Kᵀ W_Eᵀ as factored low-rank matrices, copying scores from OV eigenvalues, Q/K/V-composition
/// scores between heads (TransformerLens's <c>composition_scores</c> on d_model-space matrices) and the direct-path
/// bigram table W_E W_U.
/// </summary>
public static class WeightCircuits
{
    /// <summary>Full OV circuit: Left = W_E W_V [d_vocab, d_head], Right = W_O W_U [d_head, d_vocab] (source token → output logits).</summary>
    public static FactoredMatrix FullOV(HookedTransformer m, HeadRef h)
    {
        using var scope = NewDisposeScope();
        var left = HeadWeights.WE(m).matmul(HeadWeights.WV(m, h));
        var right = HeadWeights.WO(m, h).matmul(HeadWeights.WUFolded(m));
        return FactoredMatrix.Of(left.MoveToOuterDisposeScope(), right.MoveToOuterDisposeScope());
    }

    /// <summary>Full QK circuit: Left = W_E W_Q [d_vocab, d_head], Right = (W_E W_K)ᵀ [d_head, d_vocab] (destination token × source token → score).</summary>
    public static FactoredMatrix FullQK(HookedTransformer m, HeadRef h)
    {
        using var scope = NewDisposeScope();
        var left = HeadWeights.WE(m).matmul(HeadWeights.WQ(m, h));
        var right = HeadWeights.WE(m).matmul(HeadWeights.WK(m, h)).t().contiguous();
        return FactoredMatrix.Of(left.MoveToOuterDisposeScope(), right.MoveToOuterDisposeScope());
    }

    /// <summary>Direct path W_E W_U (token → next-token logits, skipping every block). Left [d_vocab, d_model], Right [d_model, d_vocab].</summary>
    public static FactoredMatrix DirectPath(HookedTransformer m)
    {
        using var scope = NewDisposeScope();
        return FactoredMatrix.Of(
            HeadWeights.WE(m).clone().MoveToOuterDisposeScope(),
            HeadWeights.WUFolded(m).MoveToOuterDisposeScope()
        );
    }

    /// <summary>Copying score of every head.</summary>
    public static IReadOnlyList<CopyingScore> CopyingScores(HookedTransformer m)
    {
        Unembedding.RequireLm(m, "OV copying scores");
        var list = new List<CopyingScore>();
        foreach (var h in Heads(m.Config))
        {
            using var ov = FullOV(m, h);
            using var svd = ov.Svd();
            list.Add(new CopyingScore(h.Layer, h.Head, ov.CopyingScore(), svd.S[0].item<float>()));
        }
        return list;
    }

    /// <summary>Composition score ‖A B‖_F / (‖A‖_F ‖B‖_F) of two factored d_model x d_model matrices.</summary>
    public static double CompositionScore(FactoredMatrix a, FactoredMatrix b)
    {
        using var ab = a.MatMul(b);
        double den = a.Norm() * b.Norm();
        return den == 0 ? 0 : ab.Norm() / den;
    }

    /// <summary>Q, K and V composition of every pair of heads in layers l1 &lt; l2.</summary>
    public static IReadOnlyList<Composition> CompositionScores(HookedTransformer m)
    {
        var heads = Heads(m.Config).ToList();
        var ov = heads.ToDictionary(h => h, h => HeadWeights.OV(m, h));
        var qk = heads.ToDictionary(h => h, h => HeadWeights.QK(m, h));
        var qkT = heads.ToDictionary(h => h, h => qk[h].T());
        try
        {
            var list = new List<Composition>();
            foreach (var a in heads)
            foreach (var b in heads.Where(b => b.Layer > a.Layer))
                list.Add(
                    new Composition(
                        a.ToString(),
                        b.ToString(),
                        CompositionScore(ov[a], qk[b]),
                        CompositionScore(ov[a], qkT[b]),
                        CompositionScore(ov[a], ov[b])
                    )
                );
            return list;
        }
        finally
        {
            foreach (var d in new[] { ov, qk, qkT })
            foreach (var f in d.Values)
                f.Dispose();
        }
    }

    /// <summary>Control for composition scores: the mean score of random Gaussian factors of the same shapes
    /// ([d_model, d_head] @ [d_head, d_model] twice), seeded.</summary>
    public static double RandomCompositionBaseline(ModelConfig c, int samples = 50, int seed = 0)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        double sum = 0;
        for (int i = 0; i < samples; i++)
        {
            using var a = FactoredMatrix.Of(
                randn(c.DModel, c.HeadDim, generator: g),
                randn(c.HeadDim, c.DModel, generator: g)
            );
            using var b = FactoredMatrix.Of(
                randn(c.DModel, c.HeadDim, generator: g),
                randn(c.HeadDim, c.DModel, generator: g)
            );
            sum += CompositionScore(a, b);
        }
        return sum / samples;
    }

    /// <summary>Top-k next tokens of the direct path for each source token (computed row block by row block; the
    /// [d_vocab, d_vocab] product is never held whole).</summary>
    public static IReadOnlyList<Bigram> Bigrams(HookedTransformer m, IReadOnlyList<int> sources, int k = 5)
    {
        Unembedding.RequireLm(m, "the bigram table");
        foreach (var s in sources)
            if (s < 0 || s >= m.Config.DVocab)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"source token id {s} is outside the vocabulary 0..{m.Config.DVocab - 1}"
                    )
                );
        using var path = DirectPath(m);
        var list = new List<Bigram>();
        foreach (var chunk in sources.Chunk(256))
        {
            using var scope = NewDisposeScope();
            var rows = path.RowsOf(tensor(chunk.Select(x => (long)x).ToArray(), device: path.Left.device)); // [chunk, d_vocab]
            var (v, i) = rows.topk(Math.Min(k, m.Config.DVocab), -1);
            var vv = v.contiguous().data<float>().ToArray();
            var ii = i.contiguous().data<long>().ToArray();
            int kk = (int)v.shape[1];
            for (int r = 0; r < chunk.Length; r++)
                list.Add(
                    new Bigram(
                        chunk[r],
                        Unembedding.Text(m, chunk[r]),
                        Enumerable
                            .Range(0, kk)
                            .Select(j => new TokenLogit(Unembedding.Text(m, (int)ii[r * kk + j]), vv[r * kk + j]))
                            .ToList()
                    )
                );
        }
        return list;
    }

    /// <summary>Every head of a model, layer-major.</summary>
    public static IEnumerable<HeadRef> Heads(ModelConfig c) =>
        Enumerable.Range(0, c.NLayers).SelectMany(l => Enumerable.Range(0, c.NHeads).Select(h => new HeadRef(l, h)));
}
