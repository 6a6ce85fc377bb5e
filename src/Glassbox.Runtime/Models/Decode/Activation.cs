// Element-wise activations of the managed decoder, as libtorch computes them. Exact GELU needs erf, which .NET does
// not have; the one here is Numerical Recipes' Chebyshev fit (absolute error below 1.2e-7, under float precision).
namespace Glassbox.Models.Decode;

/// <summary>MLP activation functions on spans, in place.</summary>
public static class Activation
{
    /// <summary>Applies <paramref name="kind"/> to every element of <paramref name="v"/>.</summary>
    public static void Apply(Span<float> v, ActivationKind kind)
    {
        for (int i = 0; i < v.Length; i++)
        {
            double x = v[i];
            v[i] = (float)(
                kind switch
                {
                    ActivationKind.Silu => x / (1.0 + Math.Exp(-x)),
                    ActivationKind.Relu => Math.Max(x, 0.0),
                    ActivationKind.GeluTanh => 0.5
                        * x
                        * (1.0 + Math.Tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x))),
                    ActivationKind.Gelu => 0.5 * x * (1.0 + Erf(x / Math.Sqrt(2.0))),
                    _ => throw new ConfigException($"unknown activation {kind}"),
                }
            );
        }
    }

    /// <summary>erf(x) with absolute error below 1.2e-7 (Numerical Recipes' erfc by Chebyshev fit).</summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r =
            t
            * Math.Exp(
                -z * z
                    - 1.26551223
                    + t
                        * (
                            1.00002368
                            + t
                                * (
                                    0.37409196
                                    + t
                                        * (
                                            0.09678418
                                            + t
                                                * (
                                                    -0.18628806
                                                    + t
                                                        * (
                                                            0.27886807
                                                            + t
                                                                * (
                                                                    -1.13520398
                                                                    + t
                                                                        * (
                                                                            1.48851587
                                                                            + t * (-0.82215223 + t * 0.17087277)
                                                                        )
                                                                )
                                                        )
                                                )
                                        )
                                )
                        )
            );
        return x >= 0 ? 1.0 - r : r - 1.0;
    }
}
