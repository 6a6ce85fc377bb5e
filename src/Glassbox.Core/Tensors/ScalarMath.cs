using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tensors;

// Why this exists: TorchSharp turns a number passed to a tensor op (x.pow(2), x * 0.5, x.mul_(d), clamp_min(1e-6),
// masked_fill(mask, float.MinValue), add_(g, alpha: a), ...) into a native Scalar through an implicit conversion.
// Nothing references that .NET object once its handle has been read, so a garbage collection during the native call
// can run its finalizer and free the c10::Scalar while libtorch still reads it ("INTERNAL ASSERT FAILED at
// c10/core/Scalar.h:279", seen in Tensor.pow under load). Dispose scopes do not keep Scalars alive. Every method here
// holds its Scalar in a `using` local across the call, which keeps it reachable until the call has returned.
// TorchSharp 0.107 also makes implicit Scalars inside some of its own methods: square() is pow(2), and add(Tensor),
// add(Scalar) and add_(...) without an alpha pass an implicit alpha 1, so `a + b` on two tensors is exposed too.
// Square, Plus and the Add* helpers here pass an explicit, held alpha.
// Scope of the ban: every project under src/ forbids the implicit conversions, the Tensor operators that take a
// primitive, tensor + tensor, square() and the alpha-less add overloads (RS0030, build/BannedSymbols.txt). TorchSharp's
// torch.normal(mean, std, size) scales with implicit Scalars inside (failed in CI at c10/core/Scalar.h:140);
// ScalarRuleTests forbids it in src/ (use Normal here). Other TorchSharp methods with implicit defaults inside (e.g.
// nn.functional helpers) are not covered. TorchSharp's own optimisers (torch.optim) make implicit Scalars internally,
// so src/ uses Glassbox.Training.AdamW instead.

/// <summary>Tensor arithmetic with a number operand that keeps the native <see cref="Scalar"/> alive for the whole
/// native call (see the comment at the top of this file). Results are bit-identical to the TorchSharp operators and
/// methods they replace. An integer argument binds to the <see cref="long"/> overloads, which keep integer dtypes.</summary>
public static class ScalarMath
{
    // Held by a static field, so never collected: the alpha of every addition below.
    private static readonly Scalar One = 1L.ToScalar();

    /// <summary><paramref name="x"/> + <paramref name="other"/> with an explicit alpha (TorchSharp's
    /// <c>+</c> and <c>add(Tensor)</c> make an implicit one).</summary>
    public static Tensor Plus(this Tensor x, Tensor other) => x.add(other, One);

    /// <summary>Adds <paramref name="other"/> to <paramref name="x"/> in place with an explicit alpha; returns
    /// <paramref name="x"/>.</summary>
    public static Tensor PlusInPlace(this Tensor x, Tensor other) => x.add_(other, One);

    /// <summary><paramref name="x"/>² element-wise: pow(2) with a held Scalar (TorchSharp's <c>square()</c> is
    /// <c>pow(2)</c> with an implicit one; libtorch computes both as x * x).</summary>
    public static Tensor Square(this Tensor x)
    {
        using var two = 2L.ToScalar();
        return x.pow(two);
    }

    /// <summary><paramref name="x"/> * <paramref name="value"/> (new tensor).</summary>
    public static Tensor MulScalar(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.mul(s);
    }

    /// <summary><paramref name="x"/> * <paramref name="value"/> (new tensor; integer dtypes stay integer).</summary>
    public static Tensor MulScalar(this Tensor x, long value)
    {
        using var s = value.ToScalar();
        return x.mul(s);
    }

    /// <summary>Multiplies <paramref name="x"/> by <paramref name="value"/> in place; returns <paramref name="x"/>.</summary>
    public static Tensor MulScalarInPlace(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.mul_(s);
    }

    /// <summary><paramref name="x"/> / <paramref name="value"/> (new tensor).</summary>
    public static Tensor DivScalar(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.div(s);
    }

    /// <summary>Divides <paramref name="x"/> by <paramref name="value"/> in place; returns <paramref name="x"/>.</summary>
    public static Tensor DivScalarInPlace(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.div_(s);
    }

    /// <summary><paramref name="x"/> + <paramref name="value"/> (new tensor).</summary>
    public static Tensor AddScalar(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.add(s, One);
    }

    /// <summary><paramref name="x"/> + <paramref name="value"/> (new tensor; integer dtypes stay integer, e.g. index
    /// arithmetic such as q - 1).</summary>
    public static Tensor AddScalar(this Tensor x, long value)
    {
        using var s = value.ToScalar();
        return x.add(s, One);
    }

    /// <summary>Adds <paramref name="value"/> to <paramref name="x"/> in place; returns <paramref name="x"/>.</summary>
    public static Tensor AddScalarInPlace(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.add_(s, One);
    }

    /// <summary><paramref name="x"/> - <paramref name="value"/> (new tensor).</summary>
    public static Tensor SubScalar(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.sub(s);
    }

    /// <summary><paramref name="value"/> - <paramref name="x"/> (new tensor), computed as -x + value, which IEEE
    /// arithmetic makes identical to the subtraction.</summary>
    public static Tensor RSubScalar(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        using var neg = x.neg();
        return neg.add(s, One);
    }

    /// <summary><paramref name="x"/> += <paramref name="alpha"/> * <paramref name="other"/> in place; returns <paramref name="x"/>.</summary>
    public static Tensor AddScaledInPlace(this Tensor x, Tensor other, double alpha)
    {
        using var a = alpha.ToScalar();
        return x.add_(other, a);
    }

    /// <summary><paramref name="x"/> += <paramref name="value"/> * <paramref name="t1"/> * <paramref name="t2"/> in
    /// place (addcmul_); returns <paramref name="x"/>.</summary>
    public static Tensor AddcmulInPlace(this Tensor x, Tensor t1, Tensor t2, double value)
    {
        using var s = value.ToScalar();
        return x.addcmul_(t1, t2, s);
    }

    /// <summary><paramref name="x"/> += <paramref name="value"/> * <paramref name="t1"/> / <paramref name="t2"/> in
    /// place (addcdiv_); returns <paramref name="x"/>.</summary>
    public static Tensor AddcdivInPlace(this Tensor x, Tensor t1, Tensor t2, double value)
    {
        using var s = value.ToScalar();
        return x.addcdiv_(t1, t2, s);
    }

    /// <summary>max(<paramref name="x"/>, <paramref name="min"/>) element-wise (new tensor).</summary>
    public static Tensor ClampMin(this Tensor x, double min)
    {
        using var s = min.ToScalar();
        return x.clamp_min(s);
    }

    /// <summary>A copy of <paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor MaskedFill(this Tensor x, Tensor mask, double value)
    {
        using var s = value.ToScalar();
        return x.masked_fill(mask, s);
    }

    /// <summary>A copy of <paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true
    /// (an integer fill value, as the int literal it replaces).</summary>
    public static Tensor MaskedFill(this Tensor x, Tensor mask, long value)
    {
        using var s = value.ToScalar();
        return x.masked_fill(mask, s);
    }

    /// <summary>Bool tensor: <paramref name="x"/> ≥ <paramref name="value"/> element-wise.</summary>
    public static Tensor GreaterOrEqual(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.ge(s);
    }

    /// <summary>Bool tensor: <paramref name="x"/> &gt; <paramref name="value"/> element-wise.</summary>
    public static Tensor Greater(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.gt(s);
    }

    /// <summary><paramref name="x"/> ** <paramref name="exponent"/> (new tensor). Prefer <c>square()</c> for 2.</summary>
    public static Tensor PowScalar(this Tensor x, double exponent)
    {
        using var s = exponent.ToScalar();
        return x.pow(s);
    }

    /// <summary>A copy of <paramref name="x"/> with the rows <paramref name="source"/> added at
    /// <paramref name="index"/> along <paramref name="dim"/> (index_add with alpha 1).</summary>
    public static Tensor IndexAdd(this Tensor x, long dim, Tensor index, Tensor source)
    {
        return x.index_add(dim, index, source, One);
    }

    /// <summary>0, 1, …, <paramref name="stop"/> - 1 (int64 unless <paramref name="dtype"/> says otherwise).</summary>
    public static Tensor Arange(long stop, ScalarType? dtype = null, Device? device = null)
    {
        using var s = stop.ToScalar();
        return arange(s, dtype, device);
    }

    /// <summary><paramref name="start"/>, …, <paramref name="stop"/> - 1 (int64 unless <paramref name="dtype"/> says
    /// otherwise).</summary>
    public static Tensor Arange(long start, long stop, ScalarType? dtype = null, Device? device = null)
    {
        using var a = start.ToScalar();
        using var b = stop.ToScalar();
        return arange(a, b, dtype, device);
    }

    /// <summary>Fills <paramref name="x"/> with <paramref name="value"/> in place; returns <paramref name="x"/>.</summary>
    public static Tensor FillInPlace(this Tensor x, bool value)
    {
        using var s = value.ToScalar();
        return x.fill_(s);
    }

    /// <summary>Fills <paramref name="x"/> with <paramref name="value"/> in place; returns <paramref name="x"/>.</summary>
    public static Tensor FillInPlace(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.fill_(s);
    }

    /// <summary><paramref name="x"/> &lt; <paramref name="value"/> element-wise (bool tensor).</summary>
    public static Tensor Less(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.lt(s);
    }

    /// <summary>N(0, <paramref name="std"/>²) samples of <paramref name="shape"/> from <paramref name="generator"/>:
    /// randn scaled in place. TorchSharp's <c>torch.normal(mean, std, size)</c> is the same computation but scales with
    /// implicit Scalars inside (seen failing under load at c10/core/Scalar.h:140 in ModelInit).</summary>
    public static Tensor Normal(ReadOnlySpan<long> shape, double std, Generator? generator = null)
    {
        var r = randn(shape, generator: generator);
        return r.MulScalarInPlace(std);
    }

    /// <summary>Adds the rows <paramref name="source"/> into <paramref name="x"/> at <paramref name="index"/> along
    /// <paramref name="dim"/> in place (index_add_ with alpha 1); returns <paramref name="x"/>.</summary>
    public static Tensor IndexAddInPlace(this Tensor x, long dim, Tensor index, Tensor source)
    {
        return x.index_add_(dim, index, source, One);
    }
}
