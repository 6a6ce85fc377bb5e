using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Glassbox.Loading;
using Glassbox.Reports;

namespace Glassbox.Circuits.Induction;

/// <summary>The induction test at one checkpoint of a training run.</summary>
/// <param name="Step">Training step of the checkpoint.</param>
/// <param name="Directory">Checkpoint directory.</param>
/// <param name="TrainLoss">Mean training loss of the 20 steps up to this one (null at step 0 or without losses.json).</param>
/// <param name="FirstCopyLoss">Loss inside the first copy.</param>
/// <param name="SecondCopyLoss">Loss inside the second copy.</param>
/// <param name="IclScore">Late minus early loss.</param>
/// <param name="TopInduction">Best prefix-matching head.</param>
/// <param name="TopPreviousToken">Best previous-token head.</param>
public sealed record CheckpointInduction(
    int Step,
    string Directory,
    double? TrainLoss,
    double FirstCopyLoss,
    double SecondCopyLoss,
    double IclScore,
    HeadInductionScore TopInduction,
    HeadInductionScore TopPreviousToken
);

/// <summary>The induction test across the checkpoints of a run directory (from <c>glassbox train</c>).</summary>
/// <param name="Manifest">Provenance. Not written to JSON: the result envelope (<see cref="ResultEnvelope{T}"/>) carries it beside the result.</param>
/// <param name="RunDirectory">The run directory.</param>
/// <param name="Points">One entry per checkpoint, by step.</param>
/// <param name="PhaseChangeStep">The first step whose best prefix-matching score is at least 0.5 (null if none) —
/// where the induction bump of the loss curve happens.</param>
public sealed record CheckpointSweepResult(
    [property: JsonIgnore] RunManifest Manifest,
    string RunDirectory,
    IReadOnlyList<CheckpointInduction> Points,
    int? PhaseChangeStep
);

/// <summary>Runs <see cref="InductionAnalyzer"/> on every <c>checkpoint-{step}</c> directory of a run.</summary>
public static partial class CheckpointSweep
{
    [GeneratedRegex(@"^checkpoint-(\d+)$")]
    private static partial Regex CheckpointDir();

    /// <summary>The checkpoints of a run directory, by step.</summary>
    /// <exception cref="InputException">The directory does not exist or holds no checkpoint.</exception>
    public static IReadOnlyList<(int Step, string Dir)> Find(string runDir)
    {
        if (!Directory.Exists(runDir))
            throw new InputException($"--checkpoints directory '{runDir}' does not exist");
        var list = Directory
            .EnumerateDirectories(runDir)
            .Select(d => (Match: CheckpointDir().Match(Path.GetFileName(d)), Dir: d))
            .Where(x => x.Match.Success)
            .Select(x => (int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Dir))
            .OrderBy(x => x.Item1)
            .ToList();
        if (list.Count == 0)
            throw new InputException($"--checkpoints directory '{runDir}' has no checkpoint-<step> folders");
        return list;
    }

    /// <summary>Analyses every checkpoint with the same random sequences.</summary>
    public static CheckpointSweepResult Run(string runDir, InductionOptions options, Action<int, int>? progress = null)
    {
        var found = Find(runDir);
        var losses = ReadLosses(Path.Combine(runDir, "losses.json"));
        var points = new List<CheckpointInduction>();
        var opts = options with { Ablate = Array.Empty<(int, int)>() };
        for (int i = 0; i < found.Count; i++)
        {
            var (step, dir) = found[i];
            using var model = ModelLoader.Load(dir);
            var r = InductionAnalyzer.Analyze(model, opts);
            double? train =
                losses is null || step == 0
                    ? null
                    : losses.Skip(Math.Max(0, step - 20)).Take(Math.Min(20, step)).DefaultIfEmpty(double.NaN).Average();
            points.Add(
                new CheckpointInduction(
                    step,
                    dir,
                    train,
                    r.Losses.FirstCopy.Mean,
                    r.Losses.SecondCopy.Mean,
                    r.Losses.IclScore.Mean,
                    r.TopInduction,
                    r.TopPreviousToken
                )
            );
            progress?.Invoke(i + 1, found.Count);
        }
        var manifest = new RunManifest
        {
            Command = "induction --checkpoints",
            Model = Path.GetFullPath(runDir),
            Seed = options.Seed,
            Options = new Dictionary<string, string>
            {
                ["sequences"] = options.Sequences.ToString(CultureInfo.InvariantCulture),
                ["segment"] = options.SegmentLength?.ToString(CultureInfo.InvariantCulture) ?? "auto",
            },
        };
        int? phase = points.FirstOrDefault(p => p.TopInduction.Induction >= 0.5)?.Step;
        return new CheckpointSweepResult(manifest, Path.GetFullPath(runDir), points, phase);
    }

    private static List<double>? ReadLosses(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            // The result envelope ({command, model, version, manifest, result}); runs of older versions wrote the bare object.
            var root = doc.RootElement.TryGetProperty("result", out var r) ? r : doc.RootElement;
            return root.GetProperty("loss").EnumerateArray().Select(e => e.GetDouble()).ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InputException($"{path}: not a losses.json written by glassbox train ({e.Message})");
        }
    }
}
