using Glassbox.Neurons;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Ranking;

/// <summary>Synthetic unit activations with known answers: <see cref="Planted"/> units carry the label (each fires for
/// one class), the rest are Gaussian noise; one test row per "sentence" of five rows.</summary>
internal static class PlantedUnits
{
    public static readonly int[] Planted = [7, 1, 3, 5];

    public static LabelledUnits Make(int units = 40, int rows = 600, int classes = 4, int seed = 1, double signal = 3.0)
    {
        var rng = new Random(seed);
        (float[] X, int[] Y, string[] T) Part(int n)
        {
            var x = new float[n * units];
            var y = new int[n];
            var types = new string[n];
            for (int r = 0; r < n; r++)
            {
                y[r] = rng.Next(classes);
                types[r] = "w" + rng.Next(50).ToString(System.Globalization.CultureInfo.InvariantCulture);
                for (int u = 0; u < units; u++)
                    x[r * units + u] = (float)Normal(rng);
                for (int c = 0; c < classes; c++)
                    x[r * units + Planted[c]] += y[r] == c ? (float)signal : 0f;
            }
            return (x, y, types);
        }
        var (xTr, yTr, tTr) = Part(rows);
        var (xTe, yTe, tTe) = Part(rows / 2);
        return new LabelledUnits(
            "blocks.0.mlp.hook_post",
            tensor(xTr).view(rows, units),
            yTr,
            tensor(xTe).view(rows / 2, units),
            yTe,
            Enumerable
                .Range(0, classes)
                .Select(c => "C" + c.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .ToArray(),
            tTr,
            tTe,
            Enumerable.Range(0, rows / 2).Select(r => r / 5).ToArray()
        );
    }

    public static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
