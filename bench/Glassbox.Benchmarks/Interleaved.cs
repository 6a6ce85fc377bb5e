using System.Diagnostics;
using System.Globalization;
using Glassbox.Loading;
using Glassbox.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;

namespace Glassbox.Benchmarks;

/// <summary>
/// Runs the compared variants in rounds (every variant once per round) and reports medians and the median of the
/// per-round ratios. On a shared 2-vCPU host, slow periods then hit every variant alike, which sequential suites
/// cannot promise. A 50 ms pause before each timed run lets the previous variant's spinning worker threads go idle.
/// Each round runs the variants in a fresh seeded random order: in a fixed order the variant right after ONNX Runtime
/// ran 5-13% faster than in another place (docs/benchmarks.md, "Order within a round"), which favoured the forward.
/// </summary>
public static class Interleaved
{
    private static readonly Glassbox.Hooks.RunOptions LibtorchPath = new() { ManagedEncoder = false };
    private static readonly Glassbox.Hooks.RunOptions Unpacked = new() { PackedWeights = false };

    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
        // Batch 1 runs three times as many rounds: its visits are short, and its ratios spread the most.
        const int Batch1RoundFactor = 3;
        // Calls per visit: 1 (default) times one call after an idle pause; K > 1 makes K calls back to back and keeps
        // the median of calls 2..K, the steady state of a loop of forwards.
        int calls = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        // Threads for both runtimes (default 2, this machine's cores).
        int threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        GlassboxRuntime.Initialize(threads);
        using var model = ModelLoader.Load("minilm");
        using var ort = new InferenceSession(
            MiniLmImporter.ReadOnnxBytes(),
            new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            }
        );
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"MiniLM, {threads} thread(s), {Batch1RoundFactor * rounds} interleaved rounds at batch 1 and {rounds} at batch 32, {(calls == 1 ? "one call after a 50 ms pause" : $"median of calls 2..{calls} back to back")}; times in ms (median [p10, p90]); ratios are medians of per-round ratios [95% bootstrap interval]"
            )
        );
        Console.WriteLine(
            "| batch | tokens | ONNX Runtime | Glassbox forward | Glassbox RunWithCache (all hooks) | forward through libtorch op by op | throughput vs ORT | cache / forward | cache, every activation read as a tensor / forward | libtorch path vs ORT | forward, weights read in place (no packed copies) | packed / in place |"
        );
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (int batchSize in new[] { 1, 32 })
        {
            using var batch = model.Tokenize(BenchData.Sentences(batchSize));
            var inputs = OrtInputs(batch);
            var variants = new (string Name, Action Run)[] { ("ort", () =>
                {
                    using var r = ort.Run(inputs);
                }), ("fwd", () =>
                {
                    using var y = model.Forward(batch);
                }), ("unpacked", () =>
                {
                    using var y = model.Forward(batch, Unpacked);
                }), ("cache", () =>
                {
                    using var r = model.RunWithCache(batch);
                }), ("read", () =>
                {
                    // The cache makes a tensor when an activation is first read: this variant reads every one.
                    using var r = model.RunWithCache(batch);
                    foreach (var name in r.Cache.Names)
                        _ = r.Cache[name];
                }), ("torch", () =>
                {
                    using var y = model.Forward(batch, LibtorchPath);
                }) };
            foreach (var v in variants)
                for (int i = 0; i < 3; i++)
                    v.Run();
            var t = variants.ToDictionary(v => v.Name, _ => new List<double>());
            int n = batchSize == 1 ? Batch1RoundFactor * rounds : rounds;
            var order = new RoundOrder();
            for (int r = 0; r < n; r++)
                foreach (var v in order.Next(variants))
                {
                    // Let the previous variant's worker threads stop spinning (ORT's intra-op pool and OpenMP both
                    // busy-wait after a run). What the pause does not remove (the variant after ORT still ran 5-13%
                    // faster) the random order spreads over every variant alike.
                    Thread.Sleep(50);
                    var visit = new List<double>();
                    for (int c = 0; c < calls; c++)
                    {
                        var sw = Stopwatch.StartNew();
                        v.Run();
                        if (c > 0 || calls == 1)
                            visit.Add(sw.Elapsed.TotalMilliseconds);
                    }
                    t[v.Name].Add(BenchStats.Median(visit));
                }
            var speed = Enumerable.Range(0, n).Select(i => t["ort"][i] / t["fwd"][i]).ToList();
            var cacheRatio = Enumerable.Range(0, n).Select(i => t["cache"][i] / t["fwd"][i]).ToList();
            var readRatio = Enumerable.Range(0, n).Select(i => t["read"][i] / t["fwd"][i]).ToList();
            var packGain = Enumerable.Range(0, n).Select(i => t["unpacked"][i] / t["fwd"][i]).ToList();
            var torchSpeed = Enumerable.Range(0, n).Select(i => t["ort"][i] / t["torch"][i]).ToList();
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {batchSize} | {batch.BatchSize}x{batch.Length} | {Q(t["ort"])} | {Q(t["fwd"])} | {Q(t["cache"])} | {Q(t["torch"])} | {BenchStats.Ratio(speed)} | {BenchStats.Ratio(cacheRatio)} | {BenchStats.Ratio(readRatio)} | {BenchStats.Ratio(torchSpeed)} | {Q(t["unpacked"])} | {BenchStats.Ratio(packGain)} |"
                )
            );
        }
    }

    private static List<NamedOnnxValue> OrtInputs(TokenBatch batch)
    {
        int b = batch.BatchSize,
            p = batch.Length;
        return new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(
                "input_ids",
                new DenseTensor<long>(batch.Ids.data<long>().ToArray(), new[] { b, p })
            ),
            NamedOnnxValue.CreateFromTensor(
                "attention_mask",
                new DenseTensor<long>(batch.Mask.to(torch.ScalarType.Int64).data<long>().ToArray(), new[] { b, p })
            ),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[b * p], new[] { b, p })),
        };
    }

    private static string Q(List<double> x)
    {
        var s = x.Order().ToList();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{s[s.Count / 2]:F2} [{s[s.Count / 10]:F2}, {s[s.Count * 9 / 10]:F2}]"
        );
    }
}
