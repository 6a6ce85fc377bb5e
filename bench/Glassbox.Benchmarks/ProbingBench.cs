using System.Diagnostics;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Probing;

namespace Glassbox.Benchmarks;

/// <summary>The whole UPOS probing run of issue 3 on MiniLM and UD EWT dev (80/20 split by sentence, seed 0):
/// extraction of the embeddings + 6 layers, a linear probe and a control-task probe per layer, and the
/// random-weights baseline model (extraction and probes). Reports wall time per round. With several thread counts
/// (<c>probing 3 1,2,default</c>) the settings alternate within each round, so they see the same host load; a third
/// argument N limits the run to the first N training and N/4 test sentences; "default"
/// is what the CLI uses when no <c>--threads</c> is given (<see cref="GlassboxRuntime.DefaultThreads"/>).</summary>
public static class ProbingBench
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var settings = (args.Length > 1 ? args[1] : "2")
            .Split(',', StringSplitOptions.TrimEntries)
            .Select(s =>
                s == "default"
                    ? (Label: s, Threads: GlassboxRuntime.DefaultThreads)
                    : (Label: s, Threads: int.Parse(s, CultureInfo.InvariantCulture))
            )
            .ToList();
        GlassboxRuntime.Initialize(settings[0].Threads);
        var path = SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu");
        if (path is null)
        {
            Console.WriteLine("../shared/data/ud-english-ewt is absent: nothing to measure");
            return;
        }
        var (train, test) = SeededSplit.Split(ConllUReader.Read(path), 0.8, 0, path); // as `glassbox probe pos` does
        if (args.Length > 2) // a smaller run: the first N train sentences, N/4 test
        {
            int n = int.Parse(args[2], CultureInfo.InvariantCulture);
            (train, test) = (train.Take(n).ToList(), test.Take(Math.Max(1, n / 4)).ToList());
        }
        using var model = ModelLoader.Load("minilm");
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"UPOS on MiniLM, EWT dev ({train.Count} train / {test.Count} test sentences), {Environment.ProcessorCount} cores, default threads {GlassboxRuntime.DefaultThreads}"
            )
        );
        Console.WriteLine("| round | threads | wall (s) | best layer | accuracy | selectivity |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var times = settings.ToDictionary(s => s.Label, _ => new List<double>(), StringComparer.Ordinal);
        for (int r = 0; r < rounds; r++)
            foreach (var (label, threads) in settings)
            {
                GlassboxRuntime.Initialize(threads);
                Thread.Sleep(200); // let the other setting's spinning workers settle
                var sw = Stopwatch.StartNew();
                var result = WordProbeExperiment.Run(model, train, test, "UPOS", w => w.Upos, new WordProbeOptions());
                times[label].Add(sw.Elapsed.TotalSeconds);
                var best = result.BestLayer;
                Console.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {r + 1} | {label} ({threads}) | {times[label][^1]:F1} | {best.Hook} | {best.Task.Accuracy.Value:F3} | {best.Selectivity:F3} |"
                    )
                );
            }
        foreach (var (label, t) in times)
        {
            t.Sort();
            Console.WriteLine(
                string.Create(CultureInfo.InvariantCulture, $"{label}: median {t[t.Count / 2]:F1} s, min {t[0]:F1} s")
            );
        }
    }
}
