using Glassbox.Probing;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Concepts;

/// <summary>How a CAV is fitted.</summary>
public enum CavMethod
{
    /// <summary>L2-regularised logistic regression (Probing's <see cref="ClassifierProbe"/>, L-BFGS), concept vs
    /// counterpart; the CAV is the weight of the concept class minus the counterpart's, in activation space.</summary>
    Logistic,

    /// <summary>The difference of the two means (concept − counterpart); held-out accuracy thresholds the projection
    /// at the midpoint of the two training means.</summary>
    DifferenceOfMeans,
}

/// <summary>A concept activation vector: a unit direction in a hook's pooled activation space.</summary>
/// <param name="Direction">Unit vector [d].</param>
/// <param name="HeldOutAccuracy">Accuracy of the concept-vs-counterpart split on held-out examples.</param>
public sealed record ConceptActivationVector(float[] Direction, double HeldOutAccuracy)
{
    /// <summary>Fraction of examples held out for the accuracy.</summary>
    public const double HeldOutFraction = 0.25;

    /// <summary>Fits a CAV separating <paramref name="concept"/> rows from <paramref name="counterpart"/> rows
    /// (each [n, d]); a seeded quarter of each side is held out for the accuracy.</summary>
    /// <exception cref="InputException">A side with fewer than 4 rows.</exception>
    public static ConceptActivationVector Fit(float[][] concept, float[][] counterpart, CavMethod method, int seed)
    {
        if (concept.Length < 4 || counterpart.Length < 4)
            throw new InputException("a CAV needs at least 4 examples on each side");
        var (cTrain, cTest) = Split(concept, seed);
        var (rTrain, rTest) = Split(counterpart, seed + 1);
        using var scope = NewDisposeScope();
        var x = Stack(cTrain.Concat(rTrain).ToArray()); // [n, d]
        var y = cTrain.Select(_ => 1).Concat(rTrain.Select(_ => 0)).ToArray();
        var test = Stack(cTest.Concat(rTest).ToArray()); // [m, d]
        var yTest = cTest.Select(_ => 1).Concat(rTest.Select(_ => 0)).ToArray();
        Tensor direction;
        int[] predicted;
        if (method == CavMethod.Logistic)
        {
            using var probe = ClassifierProbe.Train(
                x,
                y,
                2,
                new ProbeOptions
                {
                    Seed = seed,
                    DevFraction = 0,
                    MaxIterations = 50,
                    L2 = 1e-2,
                }
            );
            var w = probe.LinearWeights()!; // [d, 2]
            direction = w.select(1, 1).sub(w.select(1, 0));
            predicted = probe.Predict(test);
        }
        else
        {
            var mc = Stack(cTrain).mean(new long[] { 0 });
            var mr = Stack(rTrain).mean(new long[] { 0 });
            direction = mc.sub(mr);
            var mid = mc.Plus(mr).div(tensor(2f)).dot(direction).item<float>();
            predicted = test.matmul(direction).data<float>().Select(v => v > mid ? 1 : 0).ToArray();
        }
        double acc = predicted.Zip(yTest, (p, t) => p == t ? 1.0 : 0.0).Average();
        var norm = direction.norm().item<float>();
        var unit = norm > 0 ? direction.div(tensor(norm)) : direction;
        return new ConceptActivationVector(unit.data<float>().ToArray(), acc);
    }

    /// <summary>Directional derivatives of each gradient row along the CAV: [n].</summary>
    public double[] Derivatives(float[][] gradients) =>
        gradients
            .Select(g =>
            {
                double s = 0;
                for (int i = 0; i < g.Length; i++)
                    s += g[i] * Direction[i];
                return s;
            })
            .ToArray();

    /// <summary>Projection of each activation row on the CAV: [n].</summary>
    public double[] Project(float[][] rows) => Derivatives(rows);

    private static Tensor Stack(float[][] rows)
    {
        int d = rows[0].Length;
        var flat = new float[rows.Length * d];
        for (int i = 0; i < rows.Length; i++)
            rows[i].CopyTo(flat, i * d);
        return tensor(flat, new long[] { rows.Length, d });
    }

    private static (float[][] Train, float[][] Test) Split(float[][] rows, int seed)
    {
        var perm = Glassbox.Data.SeededSplit.Permutation(rows.Length, seed);
        int nTest = Math.Max(1, (int)Math.Round(rows.Length * HeldOutFraction));
        return (perm.Skip(nTest).Select(i => rows[i]).ToArray(), perm.Take(nTest).Select(i => rows[i]).ToArray());
    }
}
