// Own implementation: the Riemann and Gauss-Legendre points are a few lines; Gauss-Legendre nodes come from Newton's
// method on the Legendre recurrence (no numerics package in the allowed list provides them), the same nodes and
// weights numpy.polynomial.legendre.leggauss gives and Captum uses.
using System.Globalization;

namespace Glassbox.Attribution;

/// <summary>How the path integral of integrated gradients is approximated (Captum's approximation methods).</summary>
public enum IntegrationRule
{
    /// <summary>Left Riemann sum: alphas 0, 1/n, ..., (n−1)/n, weights 1/n.</summary>
    RiemannLeft,

    /// <summary>Right Riemann sum: alphas 1/n, ..., 1, weights 1/n.</summary>
    RiemannRight,

    /// <summary>Midpoint Riemann sum: alphas (i + ½)/n, weights 1/n.</summary>
    RiemannMiddle,

    /// <summary>Trapezoid rule: alphas linspace(0, 1, n), weights 1/(n−1) with halves at the ends (n ≥ 2).</summary>
    RiemannTrapezoid,

    /// <summary>Gauss-Legendre quadrature on [0, 1] (exact for polynomials of degree 2n − 1).</summary>
    GaussLegendre,
}

/// <summary>Integration points and weights on [0, 1].</summary>
public static class IntegrationRules
{
    /// <summary>The CLI spellings, in enum order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    ["riemann-left", "riemann-right", "riemann-middle", "riemann-trapezoid", "gauss-legendre"];

    /// <summary>The CLI spelling of a rule.</summary>
    public static string Name(this IntegrationRule rule) => Names[(int)rule];

    /// <summary>Parses a CLI spelling.</summary>
    /// <exception cref="InputException">Unknown rule (named with <paramref name="what"/>).</exception>
    public static IntegrationRule Parse(string text, string what = "--rule")
    {
        int i = Names.ToList().IndexOf(text.Trim().ToLowerInvariant());
        return i >= 0
            ? (IntegrationRule)i
            : throw new InputException($"{what} must be one of {string.Join(", ", Names)}, got '{text}'");
    }

    /// <summary>Alphas in [0, 1] and weights summing to 1 for <paramref name="steps"/> points.</summary>
    /// <exception cref="InputException">Steps below 1 (below 2 for the trapezoid rule).</exception>
    public static (double[] Alphas, double[] Weights) Points(IntegrationRule rule, int steps)
    {
        int min = rule == IntegrationRule.RiemannTrapezoid ? 2 : 1;
        if (steps < min)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--steps must be at least {min} for {rule.Name()}, got {steps}"
                )
            );
        var a = new double[steps];
        var w = new double[steps];
        switch (rule)
        {
            case IntegrationRule.RiemannLeft:
            case IntegrationRule.RiemannRight:
            case IntegrationRule.RiemannMiddle:
                double shift = rule switch
                {
                    IntegrationRule.RiemannLeft => 0,
                    IntegrationRule.RiemannRight => 1,
                    _ => 0.5,
                };
                for (int i = 0; i < steps; i++)
                {
                    a[i] = (i + shift) / steps;
                    w[i] = 1.0 / steps;
                }
                break;
            case IntegrationRule.RiemannTrapezoid:
                for (int i = 0; i < steps; i++)
                {
                    a[i] = (double)i / (steps - 1);
                    w[i] = (i == 0 || i == steps - 1 ? 0.5 : 1.0) / (steps - 1);
                }
                break;
            default:
                var (x, wx) = Legendre(steps);
                for (int i = 0; i < steps; i++)
                {
                    a[i] = (x[i] + 1) / 2;
                    w[i] = wx[i] / 2;
                }
                break;
        }
        return (a, w);
    }

    /// <summary>Gauss-Legendre nodes (ascending) and weights on [−1, 1].</summary>
    internal static (double[] Nodes, double[] Weights) Legendre(int n)
    {
        var x = new double[n];
        var w = new double[n];
        for (int i = 0; i < (n + 1) / 2; i++)
        {
            double z = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5));
            double dp = 0;
            for (int iter = 0; iter < 100; iter++)
            {
                double p0 = 1,
                    p1 = z;
                for (int k = 2; k <= n; k++)
                {
                    double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
                    p0 = p1;
                    p1 = p2;
                }
                if (n == 1)
                {
                    p1 = z;
                    p0 = 1;
                }
                dp = n * (z * p1 - p0) / (z * z - 1);
                double dz = p1 / dp;
                z -= dz;
                if (Math.Abs(dz) < 1e-15)
                    break;
            }
            x[i] = -z;
            x[n - 1 - i] = z;
            w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * dp * dp);
        }
        return (x, w);
    }
}
