using System.Diagnostics;
using System.Globalization;

namespace Glassbox.Benchmarks;

/// <summary>What cutting a product into column slices costs MKL: the MiniLM batch-32 products called whole and as 2,
/// 4 and 8 slices one after another on one thread (the managed encoder's cut, <c>EncoderKernels.ProductPieces</c>).</summary>
public static class SliceBench
{
    public static void Run(string[] args)
    {
        int calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        GlassboxRuntime.Initialize(1);
        if (!MklGemm.Available)
        {
            Console.WriteLine("MKL's sgemm is not available in this libtorch build.");
            return;
        }
        Console.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"MKL sgemm, 1 thread; ms, median of {calls} calls")
        );
        Console.WriteLine("| product (m x k · k x n) | whole | 2 slices | 4 slices | 8 slices |");
        Console.WriteLine("|---|---|---|---|---|");
        var rnd = new Random(1);
        foreach (var (m, k, n) in new[] { (608, 384, 1152), (608, 384, 384), (608, 384, 1536), (608, 1536, 384) })
        {
            var x = new float[m * k];
            var w = new float[n * k];
            var y = new float[m * n];
            for (int i = 0; i < x.Length; i++)
                x[i] = (float)rnd.NextDouble() - 0.5f;
            for (int i = 0; i < w.Length; i++)
                w[i] = (float)rnd.NextDouble() - 0.5f;
            var cells = new[] { 1, 2, 4, 8 }.Select(s => Time(x, w, y, m, n, k, s, calls));
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {m} x {k} · {k} x {n} | {string.Join(" | ", cells.Select(c => c.ToString("F3", CultureInfo.InvariantCulture)))} |"
                )
            );
        }
    }

    private static unsafe double Time(float[] x, float[] w, float[] y, int m, int n, int k, int slices, int calls)
    {
        var times = new List<double>();
        int width = n / slices;
        fixed (
            float* px = x,
                pw = w,
                py = y
        )
            for (int i = 0; i < calls + 10; i++)
            {
                var sw = Stopwatch.StartNew();
                for (int s = 0; s < slices; s++)
                    MklGemm.Linear(px, pw + (long)s * width * k, py + s * width, m, width, k, n);
                if (i >= 10)
                    times.Add(sw.Elapsed.TotalMilliseconds);
            }
        times.Sort();
        return times[times.Count / 2];
    }
}
