using Glassbox.Statistics;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>
/// Linear CKA from Gram matrices K = X Xᵀ: the original estimator (Kornblith et al. 2019, HSIC of doubly centred Grams)
/// and the debiased one (the unbiased HSIC of Song et al. 2012 through U-centring, as in Kornblith's <c>cka.py</c> with
/// <c>debiased=True</c> and Nguyen et al. 2021). The original is biased upwards when rows are few for the width, and
/// the bias grows as the number of distinct rows falls, which is what a bootstrap resample does: its duplicated rows
/// would push every replicate above the estimate. The debiased estimator leaves out the diagonal; on a resample it also
/// leaves out the pairs of copies of one row, so replicates stay centred on the estimate.
/// Own code: a few lines of libtorch; no .NET package computes CKA.
/// </summary>
internal static class CkaGrams
{
    /// <summary>U-centres a Gram matrix [m, m]: zero the excluded pairs (the diagonal, or <paramref name="excluded"/>
    /// [m, m] bool), remove row and column means with the unbiased divisors, zero the excluded pairs again.</summary>
    public static Tensor UCentre(Tensor k, Tensor? excluded) // [m, m]
    {
        using var scope = NewDisposeScope();
        long m = k.shape[0];
        var mask = excluded ?? eye(m, dtype: ScalarType.Bool);
        var g = k.MaskedFill(mask, 0.0);
        var means = g.sum(0L, false).DivScalar(m - 2); // [m]
        means = means.SubScalar(means.sum().item<double>() / (2.0 * (m - 1)));
        var centred = g.sub_(means.unsqueeze(1)).sub_(means.unsqueeze(0)).MaskedFill(mask, 0.0);
        return centred.MoveToOuterDisposeScope();
    }

    /// <summary>Σ a∘b, without keeping the [m, m] product.</summary>
    public static double Hsic(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.reshape(-1).dot(b.reshape(-1)).item<double>();
    }

    /// <summary>CKA from the three HSIC values; NaN when a side has no (or negative) self-similarity.</summary>
    public static double Cka(double kl, double kk, double ll) =>
        kk <= 0 || ll <= 0 ? double.NaN : kl / Math.Sqrt(kk * ll);

    /// <summary>Debiased HSIC of every pair on resampled rows: each raw Gram indexed by the rows and U-centred with
    /// the pairs of copies of one row left out.</summary>
    public static double[,] Resampled(Tensor[] grams, int[] rows)
    {
        using var scope = NewDisposeScope();
        using var idx = tensor(rows.Select(x => (long)x).ToArray());
        var copies = idx.unsqueeze(1).eq(idx.unsqueeze(0)); // [m, m]
        var centred = grams.Select(k => UCentre(k.index_select(0, idx).index_select(1, idx), copies)).ToArray();
        int r = grams.Length;
        var h = new double[r, r];
        for (int i = 0; i < r; i++)
        for (int j = i; j < r; j++)
            h[i, j] = h[j, i] = Hsic(centred[i], centred[j]);
        return h;
    }

    /// <summary>Mean debiased CKA of each pair after shuffling the rows of one side (seeded permutations of the
    /// U-centred Grams, which keep the diagonal on the diagonal): what rows that do not correspond give, about 0.</summary>
    public static double[][] Controls(Tensor[] ucentred, double[] self, int permutations, int seed)
    {
        int r = ucentred.Length;
        long n = ucentred[0].shape[0];
        var sums = new double[r, r];
        var rng = new Random(seed);
        for (int p = 0; p < permutations; p++)
        {
            using var scope = NewDisposeScope();
            var perm = Enumerable.Range(0, (int)n).OrderBy(_ => rng.Next()).Select(i => (long)i).ToArray();
            using var idx = tensor(perm);
            var shuffled = ucentred.Select(k => k.index_select(0, idx).index_select(1, idx)).ToArray(); // [n, n]
            for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++)
                sums[i, j] += Cka(Hsic(ucentred[i], shuffled[j]), self[i], self[j]);
        }
        return Symmetric(r, (i, j) => (sums[i, j] + sums[j, i]) / (2.0 * permutations));
    }

    /// <summary>A symmetric matrix [r][r] from its upper triangle.</summary>
    public static double[][] Symmetric(int r, Func<int, int, double> f)
    {
        var m = new double[r][];
        for (int i = 0; i < r; i++)
            m[i] = new double[r];
        for (int i = 0; i < r; i++)
        for (int j = i; j < r; j++)
            m[i][j] = m[j][i] = f(i, j);
        return m;
    }
}
