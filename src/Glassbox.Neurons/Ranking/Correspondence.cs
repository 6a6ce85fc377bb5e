using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>Similarity of two representations of the same rows (two models, or two layers of one model).</summary>
/// <param name="LinearCka">Linear CKA (Kornblith et al. 2019), in [0, 1].</param>
/// <param name="Svcca">SVCCA (Raghu et al. 2017): mean canonical correlation after keeping the singular directions
/// that explain <see cref="SvccaVariance"/> of each side's variance.</param>
/// <param name="SvccaVariance">Variance share kept by the SVD step.</param>
/// <param name="SvccaDimensions">Directions kept on each side.</param>
public sealed record RepresentationSimilarity(
    double LinearCka,
    double Svcca,
    double SvccaVariance,
    (int A, int B) SvccaDimensions
);

/// <summary>Unit rankings across models (Bau et al. 2018, "Identifying and controlling important neurons"), by how
/// well each unit of <c>a</c> is matched in the other representations.</summary>
/// <param name="MaxCorr">Per unit of a: the largest |r| with any unit of each other representation, then the max over them.</param>
/// <param name="MinCorr">Per unit of a: the smallest over the other representations of that per-representation max |r|.</param>
/// <param name="LinReg">Per unit of a: R² of a least-squares (ridge 1e-3) prediction from each other representation,
/// the mean over them (Bau et al. rank by the error; higher R² = better explained).</param>
public sealed record CorrespondenceRanking(double[] MaxCorr, double[] MinCorr, double[] LinReg);

/// <summary>Cross-model and cross-layer correspondence: maxcorr/mincorr/linreg unit rankings, SVCCA and linear CKA.
/// Own code: these are a few lines of linear algebra on libtorch (SVD, QR, least squares), exact in float64.</summary>
public static class Correspondence
{
    /// <summary>maxcorr, mincorr and linreg scores for the units of <paramref name="a"/> [n, units_a] against each of
    /// <paramref name="others"/> ([n, units_b] each, same rows).</summary>
    /// <exception cref="InputException">No other representation, or row counts differ.</exception>
    public static CorrespondenceRanking Rank(Tensor a, IReadOnlyList<Tensor> others)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(others);
        if (others.Count == 0)
            throw new InputException("correspondence needs at least one other representation");
        using var scope = NewDisposeScope();
        long n = a.shape[0];
        var za = UnitStatistics.Standardise(a.to(ScalarType.Float64)); // [n, ua]
        var perOther = new List<Tensor>();
        var r2 = new List<Tensor>();
        foreach (var b in others)
        {
            if (b.shape[0] != n)
                throw new InputException("representations to compare must have the same rows");
            using var inner = NewDisposeScope(); // per other: its [ub, ub] and [n, ub] temporaries go at once
            var zb = UnitStatistics.Standardise(b.to(ScalarType.Float64)); // [n, ub]
            perOther.Add(za.t().matmul(zb).DivScalar(n).abs().max(1).values.MoveToOuterDisposeScope()); // [ua]
            r2.Add(RSquared(za, zb).MoveToOuterDisposeScope());
        }
        var stacked = stack(perOther); // [others, ua]
        return new CorrespondenceRanking(
            stacked.max(0).values.data<double>().ToArray(),
            stacked.min(0).values.data<double>().ToArray(),
            stack(r2).mean([0]).data<double>().ToArray()
        );
    }

    /// <summary>Linear CKA and SVCCA between <paramref name="a"/> [n, da] and <paramref name="b"/> [n, db].</summary>
    /// <exception cref="InputException">Row counts differ or fewer than two rows.</exception>
    public static RepresentationSimilarity Similarity(Tensor a, Tensor b, double svccaVariance = 0.99)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.shape[0] != b.shape[0] || a.shape[0] < 2)
            throw new InputException("representations to compare must have the same rows (at least two)");
        if (svccaVariance is <= 0 or > 1)
            throw new InputException("the SVCCA variance share must be in (0, 1]");
        using var scope = NewDisposeScope();
        var x = Center(a.to(ScalarType.Float64));
        var y = Center(b.to(ScalarType.Float64));
        double cka = LinearCka(x, y);
        var (qa, da) = TopDirections(x, svccaVariance);
        var (qb, db) = TopDirections(y, svccaVariance);
        return new RepresentationSimilarity(cka, Svcca(qa, qb), svccaVariance, (da, db));
    }

    /// <summary>The SVCCA basis of <paramref name="a"/> [n, d]: an orthonormal basis [n, kept] (float64) of its centred
    /// top singular directions that hold <paramref name="share"/> of its variance. Compute it once per representation
    /// and compare bases with <see cref="Svcca(Tensor, Tensor)"/>. The basis is not in a dispose scope of its own.</summary>
    /// <exception cref="InputException">Fewer than two rows, or a share outside (0, 1].</exception>
    public static (Tensor Basis, int Kept) SvccaBasis(Tensor a, double share = 0.99)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.shape[0] < 2)
            throw new InputException("SVCCA needs at least two rows");
        if (share is <= 0 or > 1)
            throw new InputException("the SVCCA variance share must be in (0, 1]");
        using var scope = NewDisposeScope();
        var (basis, kept) = TopDirections(Center(a.to(ScalarType.Float64)), share);
        return (basis.MoveToOuterDisposeScope(), kept);
    }

    /// <summary>SVCCA of two bases from <see cref="SvccaBasis"/> over the same rows: the mean canonical correlation,
    /// i.e. the mean singular value of Qaᵀ Qb.</summary>
    public static double Svcca(Tensor basisA, Tensor basisB)
    {
        ArgumentNullException.ThrowIfNull(basisA);
        ArgumentNullException.ThrowIfNull(basisB);
        using var scope = NewDisposeScope();
        var s = linalg.svdvals(basisA.t().matmul(basisB)).ClampMin(0); // [min(da, db)]
        return Math.Min(1, s.mean().item<double>());
    }

    /// <summary>Linear CKA of centred <paramref name="x"/> and <paramref name="y"/>: ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F).</summary>
    public static double LinearCka(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        double cross = y.t().matmul(x).Square().sum().item<double>();
        double xx = x.t().matmul(x).Square().sum().sqrt().item<double>();
        double yy = y.t().matmul(y).Square().sum().sqrt().item<double>();
        return xx == 0 || yy == 0 ? double.NaN : cross / (xx * yy);
    }

    private static Tensor Center(Tensor x) => x - x.mean([0], true);

    /// <summary>Orthonormal basis [n, k] of the top singular directions of centred x that hold the variance share.</summary>
    private static (Tensor Basis, int Kept) TopDirections(Tensor x, double share)
    {
        var (u, s, _) = linalg.svd(x, fullMatrices: false); // u [n, r], s [r]
        var energy = s.Square();
        var cum = energy.cumsum(0) / energy.sum().ClampMin(1e-300);
        using var limit = share.ToScalar();
        int kept = (int)Math.Min(s.shape[0], cum.lt(limit).sum().item<long>() + 1);
        var basis = u[.., ..kept].contiguous();
        return (basis, kept);
    }

    /// <summary>R² of each standardised column of za predicted by ridge regression on zb.</summary>
    private static Tensor RSquared(Tensor za, Tensor zb)
    {
        long n = zb.shape[0],
            d = zb.shape[1];
        var design = cat(new[] { zb, ones(n, 1, dtype: ScalarType.Float64) }, 1); // [n, d + 1]
        var gram = design.t().matmul(design).Plus(eye(d + 1, dtype: ScalarType.Float64).MulScalar(1e-3 * n));
        var w = linalg.solve(gram, design.t().matmul(za)); // [d + 1, ua]
        var resid = za - design.matmul(w);
        var sse = resid.Square().sum(0L, false); // [ua]
        var sst = za.Square().sum(0L, false).ClampMin(1e-300); // [ua]
        return sse.div(sst).RSubScalar(1);
    }
}
