#!/usr/bin/env dotnet
// Soak test of native memory (issue 14, item 11): N cached forwards with a patching hook and a reading hook on a real
// model (every hook point cached, then dropped), printing every 1,000 forwards the live TorchSharp tensors of this
// thread and the process's resident memory (VmRSS), so that growth after a warm-up shows as a slope. The unit test
// SoakTests does the same on a tiny model with assertions; this is the real-model run for docs/scale.md.
// Run: dotnet run -c Release scripts/soak.cs -- [MODEL=minilm] [FORWARDS=10000] [THREADS=2]
// A measurement script, kept so that its numbers can be regenerated; not part of the library.
#:project ../src/Glassbox.Runtime/Glassbox.Runtime.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using Glassbox;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;

var inv = CultureInfo.InvariantCulture;
string spec = args.Length > 0 ? args[0] : "minilm";
int total = args.Length > 1 ? int.Parse(args[1], inv) : 10_000;
int threads = args.Length > 2 ? int.Parse(args[2], inv) : 2;
GlassboxRuntime.Initialize(threads);
using var model = ModelLoader.Load(spec);
var texts = new[]
{
    "Once upon a time, a little girl named Lily found a shiny red ball in the park.",
    "The quick brown fox jumps over the lazy dog.",
};
using var batch = model.Tokenize(texts);
string patchAt = model.Config.NLayers > 1 ? "blocks.1.hook_resid_pre" : "blocks.0.hook_resid_post";
double seen = 0;
var hooks = new[]
{
    new Hook(patchAt, (x, ctx) => x.MulScalar(0.99)),
    Hook.Read("blocks.0.attn.hook_pattern", (x, ctx) => seen += 1),
};
static long Rss()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
    return 0;
}
Console.WriteLine(
    string.Create(
        inv,
        $"{spec}: {total} cached forwards of a batch of {texts.Length} ({batch.Ids.shape[1]} positions), {model.HookNames.Count} hook points cached, {threads} threads"
    )
);
Console.WriteLine("forwards  live tensors  resident MiB  forwards/s");
var sw = Stopwatch.StartNew();
long last = 0;
for (int i = 1; i <= total; i++)
{
    using (model.Run(batch, hooks, _ => true)) { }
    if (i % 1000 == 0 || i == total)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        double rate = (i - last) / sw.Elapsed.TotalSeconds;
        Console.WriteLine(
            string.Create(
                inv,
                $"{i, 8}  {DisposeScopeManager.Statistics.ThreadTotalLiveCount, 12}  {Rss() / 1048576.0, 12:F1}  {rate, 10:F1}"
            )
        );
        last = i;
        sw.Restart();
    }
}
if (seen != total)
    throw new InvalidOperationException("the reading hook did not fire once per forward");
