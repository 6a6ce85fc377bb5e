using System.Diagnostics;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Probing;

namespace Glassbox.Benchmarks;

/// <summary>The whole UPOS probing run of issue 3 on MiniLM and UD EWT dev (80/20 split by sentence, seed 0):
/// extraction of the embeddings + 6 layers, a linear probe and a control-task probe per layer, and the
/// random-weights baseline model (extraction and probes). Reports wall time per round.</summary>
public static class ProbingBench
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        GlassboxRuntime.Initialize(threads);
        var path = SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu");
        if (path is null) { Console.WriteLine("../shared/data/ud-english-ewt is absent: nothing to measure"); return; }
        var (train, test) = SeededSplit.Split(ConllUReader.Read(path), 0.8, 0, path);   // as `glassbox probe pos` does
        using var model = ModelLoader.Load("minilm");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"UPOS on MiniLM, EWT dev ({train.Count} train / {test.Count} test sentences), {threads} threads"));
        Console.WriteLine("| round | wall (s) | best layer | accuracy | selectivity |");
        Console.WriteLine("|---|---|---|---|---|");
        var times = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            var result = WordProbeExperiment.Run(model, train, test, "UPOS", w => w.Upos, new WordProbeOptions());
            times.Add(sw.Elapsed.TotalSeconds);
            var best = result.BestLayer;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r + 1} | {times[^1]:F1} | {best.Hook} | {best.Task.Accuracy.Value:F3} | {best.Selectivity:F3} |"));
        }
        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median {times[times.Count / 2]:F1} s, min {times[0]:F1} s"));
    }
}
