using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Glassbox.Loading;
using Glassbox.Models;
using TorchSharp;

namespace Glassbox.Benchmarks;

/// <summary>
/// stories260K generation tokens/s, interleaved rounds: Glassbox with the KV cache through the managed decoder and
/// through libtorch (one sequence and a batch of prompts each), without it (one sequence), and llama2.c's <c>run</c> (its own "achieved tok/s" line) when the path of a
/// built <c>run</c> binary is given. Every variant generates up to <c>steps</c> positions greedily.
/// Arguments: rounds, libtorch threads, batch size, steps, path to llama2.c run (optional).
/// </summary>
public static class GenerationBench
{
    private static readonly string[] Prompts =
    {
        "Once upon a time",
        "Lily wanted to play",
        "The dog",
        "One day, a little boy named Tom went to the park",
        "She was happy",
        "There was a big red ball",
        "Mom said",
        "The sun was shining and the birds",
    };

    public static void Run(string[] args)
    {
        int Arg(int i, int d) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : d;
        int rounds = Arg(0, 3),
            threads = Arg(1, 1),
            batch = Arg(2, 8),
            steps = Arg(3, 256);
        string? runBinary = args.Length > 4 ? args[4] : null;
        GlassboxRuntime.Initialize(threads);
        using var model = ModelLoader.Load("stories260k");
        var prompt = model.Tokenizer!.Encode(Prompts[0]).Ids;
        var prompts = Enumerable
            .Range(0, batch)
            .Select(i => (IReadOnlyList<int>)model.Tokenizer.Encode(Prompts[i % Prompts.Length]).Ids)
            .ToList();
        var o = new GenerationOptions { StopToken = -1 };
        var results = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        bool warmUp = true; // the first round (JIT, tiered compilation, llama2.c's page cache) is not counted
        void Add(string k, double v)
        {
            if (!warmUp)
                (results.TryGetValue(k, out var l) ? l : results[k] = new List<double>()).Add(v);
        }
        var lt = o with { ManagedDecoder = false };
        var variants = new List<(string Name, Func<double> Run)>
        {
            ("managed decoder, 1 sequence", () =>
                Time(() =>
                    TextGenerator.Generate(model, prompt, o with { MaxNewTokens = steps - prompt.Count }).Count
                    - prompt.Count
                )
            ),
            (string.Create(CultureInfo.InvariantCulture, $"managed decoder, batch of {batch}"), () =>
                Time(() =>
                    TextGenerator
                        .GenerateBatch(model, prompts, o with { MaxNewTokens = steps - prompts.Max(p => p.Count) })
                        .Sum(s => s.Count) - prompts.Sum(p => p.Count)
                )
            ),
            ("libtorch cached, 1 sequence", () =>
                Time(() =>
                    TextGenerator.Generate(model, prompt, lt with { MaxNewTokens = steps - prompt.Count }).Count
                    - prompt.Count
                )
            ),
            (string.Create(CultureInfo.InvariantCulture, $"libtorch cached, batch of {batch}"), () =>
                Time(() =>
                    TextGenerator
                        .GenerateBatch(model, prompts, lt with { MaxNewTokens = steps - prompts.Max(p => p.Count) })
                        .Sum(s => s.Count) - prompts.Sum(p => p.Count)
                )
            ),
        };
        if (runBinary is not null)
            variants.Add((Llama2cName, () => Llama2c(runBinary, steps)));
        var order = new RoundOrder();
        for (int r = -1; r < rounds; r++)
        {
            warmUp = r < 0;
            foreach (var (name, run) in order.Next(variants))
                Add(name, run());
            if (r == 0) // the uncached loop is quadratic: one round, fewer positions
                Add(
                    UncachedName,
                    Time(() =>
                        TextGenerator
                            .Generate(model, prompt, o with { MaxNewTokens = 64 - prompt.Count, UseCache = false })
                            .Count - prompt.Count
                    )
                );
        }
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"stories260K, greedy, {steps} positions, {threads} libtorch thread(s), {rounds} rounds, variants in random order; new tokens/s (median), vs llama2.c [95% interval]"
            )
        );
        results.TryGetValue(Llama2cName, out var reference);
        // In the variants' order, not the order of the first (random) round.
        foreach (var k in variants.Select(v => v.Name).Append(UncachedName).Where(results.ContainsKey))
        {
            var v = results[k];
            // Per-round ratios with their interval; the uncached loop ran once, so its ratio is to the median.
            string ratio =
                reference is null ? "-"
                : v.Count == reference.Count ? BenchStats.Ratio(v.Select((x, i) => x / reference[i]).ToList())
                : string.Create(CultureInfo.InvariantCulture, $"{Median(v) / Median(reference):F2}x");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {k} | {Median(v):F0} | {ratio} |"));
        }
    }

    private const string Llama2cName = "llama2.c run, 1 sequence";
    private const string UncachedName = "uncached, 1 sequence (64 positions)";

    private static double Time(Func<int> generate)
    {
        Thread.Sleep(50);
        var sw = Stopwatch.StartNew();
        int tokens = generate();
        return tokens / sw.Elapsed.TotalSeconds;
    }

    /// <summary>llama2.c's own "achieved tok/s" for greedy decoding of stories260K to <paramref name="steps"/> positions
    /// from the first prompt (also the serial reference of the BLiMP bench).</summary>
    internal static double Llama2c(string binary, int steps)
    {
        string data = Path.Combine(SharedDataPath(), "stories260K");
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var a in new[]
            {
                Path.Combine(data, "stories260K.bin"),
                "-z",
                Path.Combine(data, "tok512.bin"),
                "-t",
                "0",
                "-n",
                steps.ToString(CultureInfo.InvariantCulture),
                "-i",
                Prompts[0],
            }
        )
            psi.ArgumentList.Add(a);
        Thread.Sleep(50);
        using var p = Process.Start(psi)!;
        string all = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        var m = Regex.Match(all, @"achieved tok/s: ([0-9.]+)", RegexOptions.None, TimeSpan.FromSeconds(1));
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    internal static string SharedDataPath() =>
        Environment.GetEnvironmentVariable("GLASSBOX_DATA") ?? Path.Combine("..", "shared", "data");

    private static double Median(List<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
