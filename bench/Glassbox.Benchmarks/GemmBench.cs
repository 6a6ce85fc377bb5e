using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Benchmarks;

/// <summary>libtorch (MKL) SGEMM speed on the MiniLM batch-32 shapes and on a large square product, in GFLOP/s:
/// the number that bounds the forward's throughput.</summary>
public static class GemmBench
{
    public static void Run(string[] args)
    {
        int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        GlassboxRuntime.Initialize(threads);
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"libtorch {threads} thread(s); GFLOP/s median of 30 [p10, p90]"
            )
        );
        Console.WriteLine("| product (m x k · k x n) | GFLOP/s |");
        Console.WriteLine("|---|---|");
        foreach (
            var (m, k, n) in new[]
            {
                (608, 384, 1152),
                (608, 384, 384),
                (608, 384, 1536),
                (608, 1536, 384),
                (2048, 2048, 2048),
            }
        )
        {
            using var a = randn(m, k);
            using var w = randn(n, k); // nn.Linear layout [out, in], as the model stores it
            var rates = new List<double>();
            for (int i = 0; i < 35; i++)
            {
                var sw = Stopwatch.StartNew();
                using (var y = nn.functional.linear(a, w)) { }
                double s = sw.Elapsed.TotalSeconds;
                if (i >= 5)
                    rates.Add(2.0 * m * k * n / s / 1e9);
            }
            rates.Sort();
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {m} x {k} · {k} x {n} | {rates[rates.Count / 2]:F0} [{rates[rates.Count / 10]:F0}, {rates[rates.Count * 9 / 10]:F0}] |"
                )
            );
        }
    }
}
