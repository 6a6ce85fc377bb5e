using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Weights;

/// <summary>Singular value decomposition of a factored matrix: A = U diag(S) Vh.</summary>
/// <param name="U">Left singular vectors. // [n, r]</param>
/// <param name="S">Singular values, descending. // [r]</param>
/// <param name="Vh">Right singular vectors (rows). // [r, m]</param>
public sealed record FactoredSvd(Tensor U, Tensor S, Tensor Vh) : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        U.Dispose();
        S.Dispose();
        Vh.Dispose();
    }
}

/// <summary>
/// A low-rank matrix A = Left @ Right kept in factored form (TransformerLens's FactoredMatrix): Left [n, r],
/// Right [r, m] with r small (a head's width). The dense product is formed only on request; the SVD comes from
/// the small r x r core and the non-zero eigenvalues from Right @ Left [r, r]. Owns its tensors.
/// </summary>
public sealed record FactoredMatrix(Tensor Left, Tensor Right) : IDisposable
{
    /// <summary>Rows n.</summary>
    public long Rows => Left.shape[0];

    /// <summary>Columns m.</summary>
    public long Cols => Right.shape[1];

    /// <summary>Inner dimension r (an upper bound on the rank).</summary>
    public long Inner => Left.shape[1];

    /// <summary>Makes a factored matrix, checking that the inner dimensions agree.</summary>
    /// <exception cref="InputException">The shapes do not chain.</exception>
    public static FactoredMatrix Of(Tensor left, Tensor right)
    {
        if (left.dim() != 2 || right.dim() != 2 || left.shape[1] != right.shape[0])
            throw new InputException(
                $"factored matrix needs Left [n, r] and Right [r, m], got [{string.Join(", ", left.shape)}] and [{string.Join(", ", right.shape)}]"
            );
        return new FactoredMatrix(left.DetachFromDisposeScope(), right.DetachFromDisposeScope());
    }

    /// <summary>The dense product. // [n, m]</summary>
    public Tensor Product() => Left.matmul(Right);

    /// <summary>Rows of the product for the given row indices only. // [k, m]</summary>
    public Tensor RowsOf(Tensor rowIndex) => Left.index_select(0, rowIndex).matmul(Right);

    /// <summary>The transpose, still factored: A^T = Right^T @ Left^T.</summary>
    public FactoredMatrix T() => Of(Right.t().contiguous(), Left.t().contiguous());

    /// <summary>This @ other, factored through this matrix's inner dimension: (L1, R1 L2 R2).</summary>
    public FactoredMatrix MatMul(FactoredMatrix other)
    {
        if (Cols != other.Rows)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"cannot multiply [{Rows}, {Cols}] by [{other.Rows}, {other.Cols}]"
                )
            );
        using var scope = NewDisposeScope();
        var right = Right.matmul(other.Left).matmul(other.Right);
        var left = Left.clone();
        return Of(left.MoveToOuterDisposeScope(), right.MoveToOuterDisposeScope());
    }

    /// <summary>Frobenius norm without forming the product: sqrt(trace((LᵀL)(R Rᵀ))).</summary>
    public double Norm()
    {
        using var scope = NewDisposeScope();
        var g = Left.t().matmul(Left).to_type(ScalarType.Float64);
        var h = Right.matmul(Right.t()).to_type(ScalarType.Float64);
        return Math.Sqrt(Math.Max(0, (g * h).sum().item<double>()));
    }

    /// <summary>Thin SVD via QR of both factors: L = Q1 R1, Rᵀ = Q2 R2, A = Q1 (R1 R2ᵀ) Q2ᵀ, and the SVD of the
    /// r x r core. Singular values beyond the rank are ~0.</summary>
    public FactoredSvd Svd()
    {
        using var scope = NewDisposeScope();
        var (q1, r1) = linalg.qr(Left.to_type(ScalarType.Float64)); // [n, r], [r, r]
        var (q2, r2) = linalg.qr(Right.t().to_type(ScalarType.Float64)); // [m, r], [r, r]
        var (u, s, vh) = linalg.svd(r1.matmul(r2.t()), fullMatrices: false); // core [r, r]
        var dt = Left.dtype;
        var U = q1.matmul(u).to_type(dt); // [n, r]
        var Vh = vh.matmul(q2.t()).to_type(dt); // [r, m]
        return new FactoredSvd(
            U.MoveToOuterDisposeScope(),
            s.to_type(dt).MoveToOuterDisposeScope(),
            Vh.MoveToOuterDisposeScope()
        );
    }

    /// <summary>The r non-zero-candidate eigenvalues of a square factored matrix: those of Right @ Left [r, r]
    /// (Left @ Right has the same non-zero eigenvalues). // [r] complex128</summary>
    /// <exception cref="InputException">The matrix is not square.</exception>
    public Tensor Eigenvalues()
    {
        if (Rows != Cols)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"eigenvalues need a square matrix, got [{Rows}, {Cols}]")
            );
        using var scope = NewDisposeScope();
        return linalg
            .eigvals(Right.to_type(ScalarType.Float64).matmul(Left.to_type(ScalarType.Float64)))
            .MoveToOuterDisposeScope();
    }

    /// <summary>Elhage et al.'s copying score of the eigenvalues: Re(Σλ) / Σ|λ| in [-1, 1] (1 = pure copying).</summary>
    public double CopyingScore()
    {
        using var scope = NewDisposeScope();
        var ev = Eigenvalues();
        double den = ev.abs().sum().item<double>();
        return den == 0 ? 0 : real(ev.sum()).item<double>() / den;
    }

    /// <summary>Frees both factors.</summary>
    public void Dispose()
    {
        Left.Dispose();
        Right.Dispose();
    }
}
