using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Probing;
using Glassbox.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Glassbox.Benchmarks;

/// <summary>
/// Issue 14 item 5, side by side: the UPOS probe run (MiniLM, EWT dev split 80/20 as <c>glassbox probe pos</c>, the
/// embeddings and 6 layers, a task and a control-task probe per layer) by Glassbox, against an independent reference
/// built from other tools: ONNX Runtime runs MiniLM (its ONNX graph with the hidden states added as outputs by
/// bench/reference/add_hidden_outputs.py), and scikit-learn's L-BFGS logistic regression trains the probes
/// (bench/reference/upos_probe.py, Debian's python3-sklearn). Only the word-to-subword alignment is shared (Glassbox's
/// tokenizer; it takes well under a second). The two alternate within each round; the random-model baseline is off on
/// the Glassbox side, since the reference has no random model. Usage: <c>upos-reference [rounds] [threads]</c>.
/// </summary>
public static class UposReferenceBench
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int rounds = args.Length > 0 ? int.Parse(args[0], inv) : 3;
        int threads = args.Length > 1 ? int.Parse(args[1], inv) : 2;
        GlassboxRuntime.Initialize(threads);
        var path = SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu");
        if (path is null)
        {
            Console.WriteLine("../shared/data/ud-english-ewt is absent: nothing to measure");
            return;
        }
        string here = Path.Combine(RepoRoot(), "bench", "reference");
        string work = Directory.CreateTempSubdirectory("glassbox-upos-ref-").FullName;
        string onnx = Path.Combine(work, "minilm.onnx"),
            hidden = Path.Combine(work, "minilm-hidden.onnx");
        File.WriteAllBytes(onnx, MiniLmImporter.ReadOnnxBytes());
        Python(Path.Combine(here, "add_hidden_outputs.py"), onnx, hidden);
        var (train, test) = SeededSplit.Split(ConllUReader.Read(path), 0.8, 0, path);
        using var model = ModelLoader.Load("minilm");
        using var ort = new InferenceSession(
            hidden,
            new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            }
        );
        Console.WriteLine(
            string.Create(
                inv,
                $"UPOS on MiniLM, EWT dev ({train.Count} train / {test.Count} test sentences), {threads} threads each, {rounds} rounds"
            )
        );
        Console.WriteLine("| round | run | wall (s) | accuracy by layer (task) | selectivity at the best layer |");
        Console.WriteLine("|---|---|---|---|---|");
        var times = new Dictionary<string, List<double>> { ["glassbox"] = new(), ["reference"] = new() };
        for (int r = 0; r < rounds; r++)
        {
            Thread.Sleep(200);
            var sw = Stopwatch.StartNew();
            var ours = WordProbeExperiment.Run(
                model,
                train,
                test,
                "UPOS",
                w => w.Upos,
                new WordProbeOptions { RandomModelBaseline = false }
            );
            times["glassbox"].Add(sw.Elapsed.TotalSeconds);
            string acc = string.Join(" ", ours.Layers.Select(l => l.Task.Accuracy.Value.ToString("F3", inv)));
            Console.WriteLine(
                string.Create(
                    inv,
                    $"| {r + 1} | Glassbox | {times["glassbox"][^1]:F1} | {acc} | {ours.BestLayer.Selectivity:F3} |"
                )
            );
            Thread.Sleep(200);
            sw.Restart();
            var reference = Reference(model, ort, train, test, work, here, threads);
            times["reference"].Add(sw.Elapsed.TotalSeconds);
            Console.WriteLine(
                string.Create(inv, $"| {r + 1} | ORT + scikit-learn | {times["reference"][^1]:F1} | {reference} |")
            );
        }
        double g = BenchStats.Median(times["glassbox"]),
            f = BenchStats.Median(times["reference"]);
        Console.WriteLine(
            string.Create(inv, $"median: Glassbox {g:F1} s, reference {f:F1} s: Glassbox {f / g:F2}x the reference")
        );
        Directory.Delete(work, true);
    }

    /// <summary>The reference run: ORT forward in length-sorted batches of 32, first-subword vectors of the 7 hidden
    /// states, written as float32 files, then scikit-learn. Returns the script's summary line.</summary>
    private static string Reference(
        Glassbox.Models.HookedTransformer model,
        InferenceSession ort,
        IReadOnlyList<ConllSentence> train,
        IReadOnlyList<ConllSentence> test,
        string work,
        string here,
        int threads
    )
    {
        var all = train.Concat(test).ToList();
        var aligned = all.Select(s => WordAlignment.Align(model.Tokenizer!, s.Words.Select(w => w.Form).ToList(), 512))
            .ToArray();
        var rowOf = new List<(int Sentence, int Word)>();
        for (int s = 0; s < all.Count; s++)
        for (int w = 0; w < all[s].Words.Count; w++)
            if (aligned[s].WordTokens[w].Length > 0)
                rowOf.Add((s, w));
        var rowIndex = rowOf.Select((x, i) => (x, i)).ToDictionary(p => p.x, p => p.i);
        const int Layers = 7,
            D = 384;
        var x = Enumerable.Range(0, Layers).Select(_ => new float[rowOf.Count * D]).ToArray();
        var order = Enumerable.Range(0, all.Count).OrderBy(i => aligned[i].Ids.Count).ToArray();
        var names = Enumerable.Range(0, Layers).Select(k => "hidden_" + k.ToString(CultureInfo.InvariantCulture));
        for (int start = 0; start < order.Length; start += 32)
        {
            var idx = order.Skip(start).Take(32).ToArray();
            int b = idx.Length,
                p = idx.Max(i => aligned[i].Ids.Count);
            var ids = new long[b * p];
            var mask = new long[b * p];
            for (int j = 0; j < b; j++)
            for (int t = 0; t < aligned[idx[j]].Ids.Count; t++)
            {
                ids[j * p + t] = aligned[idx[j]].Ids[t];
                mask[j * p + t] = 1;
            }
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, new[] { b, p })),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, new[] { b, p })),
                NamedOnnxValue.CreateFromTensor(
                    "token_type_ids",
                    new DenseTensor<long>(new long[b * p], new[] { b, p })
                ),
            };
            using var outputs = ort.Run(inputs, names.ToArray());
            for (int k = 0; k < Layers; k++)
            {
                var h = ((DenseTensor<float>)outputs[k].AsTensor<float>()).Buffer.Span; // [b, p, 384]
                for (int j = 0; j < b; j++)
                {
                    var words = aligned[idx[j]].WordTokens;
                    for (int w = 0; w < words.Count; w++)
                        if (words[w].Length > 0)
                            h.Slice((j * p + words[w][0]) * D, D).CopyTo(x[k].AsSpan(rowIndex[(idx[j], w)] * D, D));
                }
            }
        }
        for (int k = 0; k < Layers; k++)
            File.WriteAllBytes(
                Path.Combine(work, "x" + k.ToString(CultureInfo.InvariantCulture) + ".f32"),
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(x[k].AsSpan()).ToArray()
            );
        var meta = new
        {
            n_train = rowOf.Count(r => r.Sentence < train.Count),
            dim = D,
            layers = Layers,
            labels = rowOf.Select(r => all[r.Sentence].Words[r.Word].Upos).ToArray(),
            types = rowOf.Select(r => all[r.Sentence].Words[r.Word].Form.ToLowerInvariant()).ToArray(),
        };
        File.WriteAllText(Path.Combine(work, "meta.json"), JsonSerializer.Serialize(meta));
        return Python(Path.Combine(here, "upos_probe.py"), work, threads.ToString(CultureInfo.InvariantCulture));
    }

    private static string Python(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd(),
            error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"python3 {string.Join(' ', args)} failed: {error}");
        return output.Trim().Split('\n')[^1];
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Glassbox.sln")))
            d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("run from inside the repository");
    }
}
