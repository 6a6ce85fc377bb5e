#!/usr/bin/env dotnet
// Memory of memory-mapped weights shared between processes (issue 14, item 9; docs/scale.md). Two modes:
//   make DIR [D_MODEL=2048] [LAYERS=8]  writes a random Llama checkpoint in bfloat16 (TinyLlama's widths) to DIR
//   hold DIR SECONDS [--no-mmap]        loads it in bfloat16, runs a forward, prints the load time and this process's
//                                       resident (Rss), proportional (Pss: shared pages divided among the processes that
//                                       map them), anonymous and file-backed memory, waits SECONDS, prints them again
// Start two "hold" processes together to see the second one share the first one's pages (Pss halves).
// Run: dotnet run -c Release scripts/mmap-share.cs -- make /tmp/ckpt; then two of ... -- hold /tmp/ckpt 20 &
// A measurement script, kept so that its numbers can be regenerated; not part of the library.
#:project ../src/Glassbox.Runtime/Glassbox.Runtime.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using Glassbox;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

var inv = CultureInfo.InvariantCulture;
GlassboxRuntime.Initialize(1);
string dir = args[1];
if (args[0] == "make")
{
    int d = args.Length > 2 ? int.Parse(args[2], inv) : 2048;
    int layers = args.Length > 3 ? int.Parse(args[3], inv) : 8;
    var c = new ModelConfig
    {
        Architecture = "llama",
        DModel = d,
        NLayers = layers,
        NHeads = 32,
        NKvHeads = 4,
        DMlp = d * 11 / 4,
        DVocab = 32000,
        NCtx = 2048,
        Norm = NormKind.RmsNorm,
        Positions = PositionKind.Rotary,
        Activation = ActivationKind.Silu,
        GatedMlp = true,
    };
    var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
    using (var g = new Generator(7))
        foreach (var s in ParameterLayout.For(c))
            w[s.Name] = s.Name.EndsWith(".w", StringComparison.Ordinal)
                ? ones(s.Shape, dtype: ScalarType.BFloat16)
                : randn(s.Shape, generator: g).MulScalar(0.02).to_type(ScalarType.BFloat16);
    HfExporter.Export(c, w, dir);
    long bytes = w.Values.Sum(t => t.numel() * 2);
    Console.WriteLine(string.Create(inv, $"wrote {dir}: {bytes / 1e9:F2} GB of bfloat16 weights"));
    return;
}
int seconds = int.Parse(args[2], inv);
bool map = !args.Contains("--no-mmap");
var clock = Stopwatch.StartNew();
using var model = ModelLoader.Load(dir, dtype: ScalarType.BFloat16, mapWeights: map);
double load = clock.Elapsed.TotalSeconds;
using (var batch = TokenBatch.Single(new[] { 1, 450, 4996, 17354 }))
using (var y = model.Forward(batch)) { }
Report(string.Create(inv, $"pid {Environment.ProcessId} {(map ? "mapped" : "copies")}, load {load:F2} s"));
Thread.Sleep(seconds * 1000);
Report(string.Create(inv, $"pid {Environment.ProcessId} after {seconds} s"));

void Report(string what)
{
    var f = File.ReadLines("/proc/self/smaps_rollup")
        .Select(l => l.Split(':', 2))
        .Where(p => p.Length == 2)
        .ToDictionary(p => p[0].Trim(), p => long.Parse(p[1].Trim().Split(' ')[0], inv) / 1024.0 / 1024.0);
    Console.WriteLine(
        string.Create(
            inv,
            $"{what}: Rss {f["Rss"]:F2} GiB, Pss {f["Pss"]:F2} GiB, anonymous {f["Anonymous"]:F2} GiB, file-backed shared {f["Shared_Clean"]:F2} GiB"
        )
    );
}
