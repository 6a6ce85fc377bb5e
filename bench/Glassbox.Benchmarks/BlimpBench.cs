using System.Diagnostics;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Probing;

namespace Glassbox.Benchmarks;

/// <summary>
/// BLiMP scoring throughput on stories260K against llama2.c (issue 14, item 3): tokens scored per second by
/// <see cref="MinimalPairScorer.ScoreCausal"/> (length-sorted, right-padded batches) at several batch sizes, and llama2.c's
/// <c>run</c> in the same rounds as the serial reference (one token per forward, its own "achieved tok/s"; scoring a
/// sentence serially is the same per-token work). Arguments: rounds, libtorch threads, batch sizes (comma list),
/// pairs per phenomenon (0 = all), path of llama2.c's run.
/// </summary>
public static class BlimpBench
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var sizes = (args.Length > 2 ? args[2] : "16,64,256")
            .Split(',')
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture))
            .ToArray();
        int limit = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0;
        string? runBinary = args.Length > 4 ? args[4] : null;
        string data = GenerationBench.SharedDataPath();
        GlassboxRuntime.Initialize(threads);
        using var model = ModelLoader.Load("stories260k");
        var pairs = MinimalPairReader
            .ReadBlimp(Path.Combine(data, "blimp"))
            .GroupBy(p => p.Phenomenon)
            .SelectMany(g => limit > 0 ? g.Take(limit) : g)
            .ToList();
        var seqs = MinimalPairScorer.Encode(model, pairs.SelectMany(p => new[] { p.Good, p.Bad }).ToList());
        long tokens = seqs.Sum(s => (long)s.Count);
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"stories260K, {threads} thread(s), {pairs.Count} BLiMP pairs ({seqs.Count} sentences, {tokens} tokens), {rounds} rounds in random order; tokens/s median [min, max]"
            )
        );
        var results = sizes.ToDictionary(b => b, _ => new List<double>());
        var reference = new List<double>();
        foreach (var b in sizes)
            MinimalPairScorer.ScoreCausal(model, seqs.Take(64).ToList(), b); // warm-up
        var order = new RoundOrder();
        var steps = (runBinary is null ? sizes : sizes.Prepend(0)).ToList(); // 0: llama2.c
        for (int r = 0; r < rounds; r++)
            foreach (var b in order.Next(steps))
            {
                if (b == 0)
                {
                    reference.Add(GenerationBench.Llama2c(runBinary!, 256));
                    continue;
                }
                Thread.Sleep(50);
                var sw = Stopwatch.StartNew();
                MinimalPairScorer.ScoreCausal(model, seqs, b);
                results[b].Add(tokens / sw.Elapsed.TotalSeconds);
            }
        Console.WriteLine("| scorer | tokens/s | vs llama2.c (median of per-round ratios) [95% interval] |");
        Console.WriteLine("|---|---|---|");
        if (reference.Count > 0)
            Console.WriteLine(
                string.Create(CultureInfo.InvariantCulture, $"| llama2.c run, serial | {Q(reference)} | 1.00x |")
            );
        foreach (var b in sizes)
        {
            string ratio =
                reference.Count > 0
                    ? BenchStats.Ratio(results[b].Select((v, i) => v / reference[i]).ToList())
                    : "(no llama2.c)";
            Console.WriteLine(
                string.Create(CultureInfo.InvariantCulture, $"| Glassbox, batch {b} | {Q(results[b])} | {ratio} |")
            );
        }
    }

    private static string Q(List<double> x) =>
        string.Create(CultureInfo.InvariantCulture, $"{BenchStats.Median(x):F0} [{x.Min():F0}, {x.Max():F0}]");
}
