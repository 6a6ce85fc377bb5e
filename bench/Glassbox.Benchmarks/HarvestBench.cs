using System.Diagnostics;
using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Neurons.Store;
using static TorchSharp.torch;

namespace Glassbox.Benchmarks;

/// <summary>
/// Activation harvesting cost per token (issue 14, item 10: the measured per-token cost behind docs/scale.md's
/// estimate): for each batch size, the forward passes alone (length-sorted right-padded batches, the harvested hooks
/// cached) and the whole harvest (forward, per-unit statistics, histograms, top-k, sample, DuckDB commits) on the first
/// TinyStories documents. Arguments: model, documents, batch sizes (comma list), libtorch threads.
/// </summary>
public static class HarvestBench
{
    public static void Run(string[] args)
    {
        string spec = args.Length > 0 ? args[0] : "stories260k";
        int docs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var sizes = (args.Length > 2 ? args[2] : "1,4,16")
            .Split(',')
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        int threads = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;
        GlassboxRuntime.Initialize(threads);
        using var model = ModelLoader.Load(spec);
        string corpusFile = Path.Combine(GenerationBench.SharedDataPath(), "tinystories", "tinystories_sample.txt");
        var texts = HarvestCorpus.Open(corpusFile).Read().Take(docs).ToList();
        string corpus = Path.Combine(Path.GetTempPath(), "glassbox-harvest-bench.txt");
        File.WriteAllLines(corpus, texts.SelectMany(t => new[] { t, HarvestCorpus.Separator }));
        var ids = texts
            .Select(t => model.Tokenizer!.Encode(t, true).Ids.Take(model.Config.NCtx).ToArray())
            .OrderBy(a => a.Length)
            .ToList();
        long tokens = ids.Sum(a => (long)a.Length);
        var hooks = Enumerable
            .Range(0, model.Config.NLayers)
            .Select(l => HookPoints.MlpPost.Name(l))
            .ToHashSet(StringComparer.Ordinal);
        int units = hooks.Count * model.Config.DMlp;
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{model.Name}: {docs} documents, {tokens} tokens, {units} units (every layer's MLP), {threads} thread(s)"
            )
        );
        foreach (int b in sizes)
        {
            var sw = Stopwatch.StartNew();
            foreach (var chunk in ids.Chunk(b))
            {
                using var scope = NewDisposeScope();
                using var batch = TokenBatch.FromIds(
                    chunk.Select(a => (IReadOnlyList<int>)a).ToList(),
                    0,
                    PaddingSide.Right
                );
                using var run = model.Run(batch, Array.Empty<Hook>(), hooks.Contains);
                foreach (var h in hooks)
                    _ = run.Cache[h].to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
            }
            double forward = sw.Elapsed.TotalSeconds;
            sw.Restart();
            long cut = 0;
            foreach (var chunk in ids.Chunk(b))
            {
                using var scope = NewDisposeScope();
                int n = chunk.Min(a => a.Length);
                cut += (long)n * chunk.Length;
                using var batch = TokenBatch.FromIds(
                    chunk.Select(a => (IReadOnlyList<int>)a[..n]).ToList(),
                    0,
                    PaddingSide.Right
                );
                using var run = model.Run(batch, Array.Empty<Hook>(), hooks.Contains);
            }
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"  unpadded forwards {cut / sw.Elapsed.TotalSeconds:F0} tok/s"
                )
            );
            // The whole harvest on the first half of the documents and on all of them, with the same small calibration
            // pass (8 documents): the difference is the marginal cost of a token, which is what a 10^9-token run pays.
            double Harvest(int n)
            {
                string part = Path.Combine(Path.GetTempPath(), "glassbox-harvest-bench-part.txt");
                File.WriteAllLines(part, texts.Take(n).SelectMany(t => new[] { t, HarvestCorpus.Separator }));
                string store = Path.Combine(Path.GetTempPath(), "glassbox-harvest-bench.duckdb");
                File.Delete(store);
                var watch = Stopwatch.StartNew();
                ActivationStore.Harvest(
                    store,
                    model,
                    part,
                    new HarvestOptions
                    {
                        BatchSize = b,
                        ShardDocuments = 100,
                        CalibrationDocuments = 8,
                    }
                );
                double seconds = watch.Elapsed.TotalSeconds;
                File.Delete(store);
                File.Delete(part);
                return seconds;
            }
            double half = Harvest(docs / 2),
                harvest = Harvest(docs);
            long halfTokens = texts
                .Take(docs / 2)
                .Sum(t => (long)Math.Min(model.Tokenizer!.Encode(t, true).Ids.Count, model.Config.NCtx));
            double marginal = (harvest - half) / (tokens - halfTokens);
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"batch {b, 3}: forwards {tokens / forward, 8:F0} tok/s; harvest {tokens / harvest, 8:F0} tok/s; marginal {1 / marginal, 8:F0} tok/s = {marginal * 1e6, 7:F1} µs/token, {(marginal - forward / tokens) / units * 1e9, 6:F2} ns per unit-token beyond the forward"
                )
            );
        }
    }
}
