using System.Diagnostics;
using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Benchmarks;

/// <summary>
/// Where a forward's time goes (issue 14, item 7), per stage: read hooks on every activation the forward materialises
/// anyway (not the norms' internals or per-head results, which would switch kernels) note a timestamp, and the time
/// between two consecutive hooks is charged to the later one's stage, e.g. <c>attn.hook_q</c> = the first norm plus the
/// fused Q/K/V product; <c>mlp.hook_pre</c> = the second norm plus W_in. CPU ops run synchronously, so the split is
/// exact up to the hooks' own cost, which is reported (hooked total against a plain forward). Each GEMM stage also
/// shows its arithmetic rate, to compare with the SGEMM peak of the <c>gemm</c> bench.
/// </summary>
public static class ProfileBench
{
    // The per-stage split needs the libtorch path (the managed encoder has no per-op stages); it is what the
    // interleaved bench's "forward through libtorch op by op" column times.
    private static readonly RunOptions LibtorchPath = new() { ManagedEncoder = false };

    public static void Run(string[] args)
    {
        string spec = args.Length > 0 ? args[0] : "minilm";
        int batchSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        int threads = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2;
        GlassboxRuntime.Initialize(threads);
        using var model = ModelLoader.Load(spec);
        var c = model.Config;
        using var batch = model.Tokenize(BenchData.Sentences(batchSize));
        long tokens = batch.Ids.shape[0] * batch.Ids.shape[1];
        // Points that would switch the forward to unfused kernels if hooked: the norms' internals, per-head results.
        var unfused = new[]
        {
            HookPoints.EmbedLnScale,
            HookPoints.EmbedLnNormalized,
            HookPoints.Ln1Scale,
            HookPoints.Ln1Normalized,
            HookPoints.Ln2Scale,
            HookPoints.Ln2Normalized,
            HookPoints.LnFinalScale,
            HookPoints.LnFinalNormalized,
            HookPoints.AttnResult,
        };
        var names = model
            .HookNames.Where(n => HookPoints.All.Any(p => p.Matches(n)) && !unfused.Any(p => p.Matches(n)))
            .ToHashSet(StringComparer.Ordinal);
        var marks = new List<(string Name, long Ticks)>(names.Count + 2);
        var hooks = new[] { Hook.Read("*", (x, ctx) =>
            {
                if (names.Contains(ctx.Name))
                    marks.Add((ctx.Name, Stopwatch.GetTimestamp()));
            }) };
        var stage = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var plain = new List<double>();
        var hooked = new List<double>();
        for (int r = -3; r < rounds; r++)
        {
            Thread.Sleep(50);
            var sw = Stopwatch.StartNew();
            using (NewDisposeScope())
                model.Forward(batch, LibtorchPath);
            double p = sw.Elapsed.TotalMilliseconds;
            Thread.Sleep(50);
            marks.Clear();
            long t0 = Stopwatch.GetTimestamp();
            using (NewDisposeScope())
                model.RunWithHooks(batch, hooks, LibtorchPath);
            long t1 = Stopwatch.GetTimestamp();
            if (r < 0)
                continue;
            plain.Add(p);
            hooked.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            var per = new Dictionary<string, double>(StringComparer.Ordinal);
            long prev = t0;
            foreach (var (name, ticks) in marks.Append(("head (unembed / final norm)", t1)))
            {
                var key = Leaf(name);
                per[key] = per.GetValueOrDefault(key) + Stopwatch.GetElapsedTime(prev, ticks).TotalMilliseconds;
                prev = ticks;
            }
            foreach (var (k, v) in per)
                (stage.TryGetValue(k, out var l) ? l : stage[k] = new()).Add(v);
        }
        double total = BenchStats.Median(hooked);
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{spec}, batch {batchSize} ({tokens} token slots), {threads} thread(s), {rounds} rounds: plain forward {BenchStats.Median(plain):F2} ms, hooked {total:F2} ms (hook cost {total / BenchStats.Median(plain):F2}x)"
            )
        );
        Console.WriteLine("| stage (summed over layers) | ms (median) | share | GEMM work | GFLOP/s |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (k, v) in stage.OrderByDescending(kv => BenchStats.Median(kv.Value)))
        {
            double ms = BenchStats.Median(v);
            double flops = GemmFlops(k, c, tokens);
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {k} | {ms:F2} | {ms / total * 100:F1} % | {(flops > 0 ? (flops / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " GFLOP" : "")} | {(flops > 0 ? (flops / 1e6 / ms).ToString("F0", CultureInfo.InvariantCulture) : "")} |"
                )
            );
        }
    }

    private static string Leaf(string name) =>
        name.StartsWith("blocks.", StringComparison.Ordinal) ? name[(name.IndexOf('.', 7) + 1)..] : name;

    /// <summary>Multiply-adds × 2 of the dense products charged to a stage, over all layers.</summary>
    private static double GemmFlops(string stage, ModelConfig c, long tokens)
    {
        double d = c.DModel,
            L = c.NLayers,
            qkv = (c.NHeads + 2.0 * c.KvHeads) * c.HeadDim,
            mlp = c.DMlp;
        if (stage == HookPoints.AttnQ.Leaf)
            return 2 * tokens * d * qkv * L;
        if (stage == HookPoints.AttnOut.Leaf)
            return 2 * tokens * c.NHeads * c.HeadDim * d * L;
        if (stage == HookPoints.MlpPre.Leaf || (c.GatedMlp && stage == HookPoints.MlpPreLinear.Leaf))
            return 2 * tokens * d * mlp * L; // gated MLPs: the gate before hook_pre, the up product before hook_pre_linear
        if (stage == HookPoints.MlpOut.Leaf)
            return 2 * tokens * mlp * d * L;
        return 0;
    }
}
