using System.Diagnostics;
using System.Globalization;

namespace Glassbox.Tests.Fuzz;

/// <summary>
/// Runs one reader on seeded mutations of valid seed files, in process. The only allowed outcomes are a result or a
/// <see cref="GlassboxException"/> whose message names the mutated file (or its folder); anything else (another
/// exception, a case slower than <see cref="SlowCase"/>) is a failure, minimised by chunk deletion and reported with
/// its input in base64 so it can become a regression test. Cases per reader: <c>GLASSBOX_FUZZ_CASES</c> (default
/// <see cref="DefaultCases"/>, the CI budget); seed: <c>GLASSBOX_FUZZ_SEED</c>; <c>GLASSBOX_FUZZ_REPORT</c> names a
/// file that gets one line of counts per reader.
/// </summary>
internal static class FuzzRunner
{
    public const int DefaultCases = 150;
    public static readonly TimeSpan SlowCase = TimeSpan.FromSeconds(20);

    public static int Cases =>
        int.TryParse(
            Environment.GetEnvironmentVariable("GLASSBOX_FUZZ_CASES"),
            NumberStyles.Integer,
            CultureInfo.InvariantCulture,
            out int n
        )
            ? n
            : DefaultCases;

    private static int Seed =>
        int.TryParse(
            Environment.GetEnvironmentVariable("GLASSBOX_FUZZ_SEED"),
            NumberStyles.Integer,
            CultureInfo.InvariantCulture,
            out int s
        )
            ? s
            : 16;

    /// <summary>Fuzzes one reader.</summary>
    /// <param name="reader">Name for the report.</param>
    /// <param name="dir">Folder holding any fixed companion files; the mutated file is written here.</param>
    /// <param name="fileName">Name of the mutated file inside <paramref name="dir"/>.</param>
    /// <param name="seeds">Valid inputs to mutate.</param>
    /// <param name="mutate">The structure-aware mutation.</param>
    /// <param name="target">Reads the file (given its path) the way the product does.</param>
    /// <param name="share">Fraction of <see cref="Cases"/> to run, for readers whose cases are slow (at least 1 case).</param>
    /// <returns>The report; <see cref="FuzzReport.Failures"/> must be empty.</returns>
    public static FuzzReport Run(
        string reader,
        string dir,
        string fileName,
        IReadOnlyList<byte[]> seeds,
        Func<FuzzMutators, byte[], byte[]> mutate,
        Action<string> target,
        double share = 1.0
    )
    {
        // Stable across processes (HashCode.Combine is randomised per process, which made runs differ); vary GLASSBOX_FUZZ_SEED instead.
        var rng = new Random(unchecked(Seed * 16777619 ^ StableHash(reader)));
        var m = new FuzzMutators(rng);
        string path = Path.Combine(dir, fileName);
        var report = new FuzzReport(reader);
        var seenFailures = new HashSet<string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        foreach (var seed in seeds)
        {
            // A seed the reader refuses would leave only rejection paths under test.
            if (Outcome(path, seed, target, out var p) != FuzzOutcome.Accepted)
                report.Failures.Add($"{reader}: a seed input is not accepted: {p ?? "rejected"}");
        }
        for (int i = 0, n = Math.Max(1, (int)(Cases * share)); i < n; i++)
        {
            var input = mutate(m, seeds[rng.Next(seeds.Count)]);
            var outcome = Outcome(path, input, target, out string? problem);
            report.Count(outcome);
            if (problem is null || !seenFailures.Add(problem.Split(':')[0]))
                continue;
            var small = Minimise(path, input, target, problem.Split(':')[0]);
            report.Failures.Add(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{reader} case {i}: {problem} | minimised input (base64): {Convert.ToBase64String(small)}"
                )
            );
        }
        report.Elapsed = clock.Elapsed;
        report.Write();
        return report;
    }

    private static FuzzOutcome Outcome(string path, byte[] input, Action<string> target, out string? problem)
    {
        File.WriteAllBytes(path, input);
        problem = null;
        var sw = Stopwatch.StartNew();
        try
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            target(path);
            if (sw.Elapsed > SlowCase)
                problem = string.Create(CultureInfo.InvariantCulture, $"SLOW: {sw.Elapsed.TotalSeconds:F1} s");
            return FuzzOutcome.Accepted;
        }
        catch (GlassboxException e)
        {
            string name = Path.GetFileName(path),
                folder = Path.GetDirectoryName(path)!;
            if (
                !e.Message.Contains(name, StringComparison.Ordinal)
                && !e.Message.Contains(folder, StringComparison.Ordinal)
            )
                problem = $"UNNAMED {e.GetType().Name}: {e.Message}";
            else if (e.Message.Contains('\n', StringComparison.Ordinal) && e is not WeightMismatchException)
                problem = $"MULTILINE {e.GetType().Name}: {e.Message}";
            return FuzzOutcome.Rejected;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            problem = $"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
            return FuzzOutcome.Crashed;
        }
    }

    /// <summary>Deletes chunks (halves down to single bytes) while the same failure kind reproduces.</summary>
    private static byte[] Minimise(string path, byte[] input, Action<string> target, string kind)
    {
        var cur = input;
        int budget = 300;
        for (int chunk = Math.Max(1, cur.Length / 2); chunk >= 1 && budget > 0; chunk /= 2)
        {
            for (int at = 0; at + chunk <= cur.Length && budget > 0; )
            {
                budget--;
                var cand = cur[..at].Concat(cur[(at + chunk)..]).ToArray();
                Outcome(path, cand, target, out var p);
                if (p is not null && p.Split(':')[0] == kind)
                    cur = cand;
                else
                    at += chunk;
            }
        }
        return cur;
    }

    private static int StableHash(string s)
    {
        int h = 17;
        foreach (char c in s)
            h = unchecked(h * 31 + c);
        return h;
    }
}

internal enum FuzzOutcome
{
    Accepted,
    Rejected,
    Crashed,
}

/// <summary>Counts of one reader's fuzz run.</summary>
internal sealed class FuzzReport(string reader)
{
    public int Accepted { get; private set; }
    public int Rejected { get; private set; }
    public int Crashed { get; private set; }
    public TimeSpan Elapsed { get; set; }
    public List<string> Failures { get; } = new();

    public void Count(FuzzOutcome o)
    {
        switch (o)
        {
            case FuzzOutcome.Accepted:
                Accepted++;
                break;
            case FuzzOutcome.Rejected:
                Rejected++;
                break;
            default:
                Crashed++;
                break;
        }
    }

    public void Write()
    {
        var file = Environment.GetEnvironmentVariable("GLASSBOX_FUZZ_REPORT");
        if (string.IsNullOrEmpty(file))
            return;
        lock (typeof(FuzzReport))
            File.AppendAllText(
                file,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{reader}\tcases={Accepted + Rejected + Crashed}\taccepted={Accepted}\trejected={Rejected}\tfailures={Failures.Count}\tcrashed_cases={Crashed}\tseconds={Elapsed.TotalSeconds:F1}\n"
                ) + string.Concat(Failures.Select(f => "  " + f + "\n"))
            );
    }

    public string Summary =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{reader}: {Failures.Count} distinct failures in {Accepted + Rejected + Crashed} cases:\n"
        ) + string.Join("\n", Failures);
}
