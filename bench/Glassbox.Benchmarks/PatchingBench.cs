using System.Diagnostics;
using System.Globalization;
using Glassbox.Circuits.Patching;
using Glassbox.Loading;
using Glassbox.Models;

namespace Glassbox.Benchmarks;

/// <summary>
/// Activation patching speed on stories260K: (1) a full layer × position resid_pre sweep, batched (several chunk
/// sizes) against one patch per forward, interleaved; (2) attribution patching against exact batched patching of
/// the same nodes (resid_pre, attn_out, mlp_out, z), streamed over name-swap prompt pairs (only running sums are kept).
/// </summary>
public static class PatchingBench
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        int maxPairs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 24;
        GlassboxRuntime.Initialize(threads);
        using var model = ModelLoader.Load("stories260k");
        var tok = model.Tokenizer!;
        const string template = "Once upon a time, there was a little kid named {0}. One day,";
        var clean = tok.Encode(string.Format(CultureInfo.InvariantCulture, template, "Lily")).Ids;
        var corrupted = tok.Encode(string.Format(CultureInfo.InvariantCulture, template, "Timmy")).Ids;
        var metric = PatchMetric.LogitDiff(
            TracePrompt.AnswerToken(model, "x", "Lily"),
            TracePrompt.AnswerToken(model, "x", "Timmy")
        );
        int nPatches = model.Config.NLayers * clean.Count;
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"stories260K, {threads} threads, resid_pre sweep of {model.Config.NLayers} layers x {clean.Count} positions = {nPatches} patches; {rounds} rounds, variants in random order; ms median [p10, p90]"
            )
        );
        var variants = new (string Name, PatchingOptions Options)[]
        {
            ("one patch per forward", new PatchingOptions { Batched = false }),
            ("replicated rows, chunk 32", new PatchingOptions { ChunkSize = 32, SharePrefix = false }),
            (
                string.Create(CultureInfo.InvariantCulture, $"replicated rows, chunk {nPatches} (one forward)"),
                new PatchingOptions { ChunkSize = nPatches, SharePrefix = false }
            ),
            ("shared prefix, chunk 6", new PatchingOptions { ChunkSize = 6 }),
            ("shared prefix, chunk 9", new PatchingOptions { ChunkSize = 9 }),
            ("shared prefix, chunk 32 (default)", new PatchingOptions { ChunkSize = 32 }),
        };
        foreach (var v in variants)
            ActivationPatching.Sweep(model, clean, corrupted, metric, PatchKind.ResidPre, v.Options);
        var t = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var order = new RoundOrder();
        for (int r = 0; r < rounds; r++)
            foreach (var v in order.Next(variants))
            {
                Thread.Sleep(50);
                var sw = Stopwatch.StartNew();
                ActivationPatching.Sweep(model, clean, corrupted, metric, PatchKind.ResidPre, v.Options);
                t[v.Name].Add(sw.Elapsed.TotalMilliseconds);
            }
        Console.WriteLine("| variant | forwards | wall time (ms) | speed-up vs one per forward [95% interval] |");
        Console.WriteLine("|---|---|---|---|");
        var baseName = variants[0].Name;
        foreach (var v in variants)
        {
            var ratio = Enumerable.Range(0, rounds).Select(i => t[baseName][i] / t[v.Name][i]).ToList();
            int fw = ActivationPatching.Sweep(model, clean, corrupted, metric, PatchKind.ResidPre, v.Options).Forwards;
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {v.Name} | {fw} | {Q(t[v.Name])} | {BenchStats.Ratio(ratio)} |"
                )
            );
        }

        // (2) Attribution vs exact, streamed over name-swap pairs of equal token length.
        var pairs = NamePrompts
            .Pairs(model)
            .Take(maxPairs)
            .Select(p => (p.Clean.Ids, p.Corrupted.Ids, p.Clean.Answer, p.Corrupted.Answer))
            .ToList(); // a small list of token ids; runs are not kept
        double attrMs = 0,
            exactMs = 0;
        var r2 = new Dictionary<PatchKind, List<double>>();
        foreach (var (c, k, a, w) in pairs)
        {
            var m = PatchMetric.LogitDiff(a, w);
            var cmp = AttributionPatching.Compare(model, c, k, m);
            attrMs += cmp.AttributionMs;
            exactMs += cmp.ExactMs;
            foreach (var ch in cmp.Checks)
                (r2.TryGetValue(ch.Kind, out var l) ? l : r2[ch.Kind] = new()).Add(ch.Pearson);
        }
        Console.WriteLine();
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Attribution vs exact (batched, chunk 32) patching over {pairs.Count} name-swap pairs: attribution {attrMs / pairs.Count:F1} ms/pair, exact {exactMs / pairs.Count:F1} ms/pair, speed-up {exactMs / attrMs:F1}x"
            )
        );
        Console.WriteLine("| node type | median Pearson r | min r |");
        Console.WriteLine("|---|---|---|");
        foreach (var (kind, rs) in r2)
        {
            var ok = rs.Where(double.IsFinite).ToList();
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {kind.Name()} | {BenchStats.Median(ok):F3} | {ok.Min():F3} |"
                )
            );
        }
    }

    private static string Q(List<double> x)
    {
        var s = x.Order().ToList();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{s[s.Count / 2]:F1} [{s[s.Count / 10]:F1}, {s[s.Count * 9 / 10]:F1}]"
        );
    }
}
