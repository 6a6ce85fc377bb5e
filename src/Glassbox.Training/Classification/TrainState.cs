using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glassbox.Loading;
using Glassbox.Training;
using static TorchSharp.torch;

namespace Glassbox.Classification;

/// <summary>The resumable state of a classifier run, stored beside the model in its directory:
/// <c>trainer_state.json</c> (step, options, a hash of the data) and <c>optimizer.safetensors</c> (AdamW moments under
/// <c>m.{leaf}</c>/<c>v.{leaf}</c>; dropped once the run is complete). The data order and dropout are functions of
/// (seed, step), so no RNG state needs storing.</summary>
internal static class TrainState
{
    public const string StateFile = "trainer_state.json";
    public const string OptimizerFile = "optimizer.safetensors";

    public static string HashData(LabeledTextSet data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in data.Rows)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(r.Text));
            sha.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\t{r.Label}\n")));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public static void Save(
        SequenceClassifier classifier,
        string outDir,
        ClassifierTrainOptions options,
        string dataHash,
        int step,
        int total,
        IReadOnlyList<KeyValuePair<string, Tensor>> leaves,
        AdamW opt,
        bool keepOptimizer
    )
    {
        var o = new JsonObject();
        foreach (var (k, v) in options.Describe())
            o[k] = v;
        var state = new JsonObject
        {
            ["step"] = step,
            ["totalSteps"] = total,
            ["complete"] = step >= total,
            ["optimizerStep"] = opt.StepCount,
            ["options"] = o,
            ["dataSha256"] = dataHash,
        };
        var files = new Dictionary<string, Action<string>>(StringComparer.Ordinal)
        {
            [StateFile] = p =>
                AtomicFile.WriteAllText(
                    p,
                    state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"
                ),
        };
        if (keepOptimizer)
            files[OptimizerFile] = p =>
            {
                var tensors = new List<(string, Tensor)>();
                for (int i = 0; i < leaves.Count; i++)
                {
                    tensors.Add(("m." + leaves[i].Key, opt.FirstMoments[i]));
                    tensors.Add(("v." + leaves[i].Key, opt.SecondMoments[i]));
                }
                SafetensorsWriter.Write(p, tensors);
            };
        ClassifierCheckpoint.Save(classifier, outDir, files);
    }

    /// <summary>Reads the state of <paramref name="outDir"/> into <paramref name="opt"/>; returns the step to continue from.</summary>
    public static int Restore(
        string outDir,
        ClassifierTrainOptions options,
        string dataHash,
        int total,
        IReadOnlyList<KeyValuePair<string, Tensor>> leaves,
        AdamW opt
    )
    {
        var path = Path.Combine(outDir, StateFile);
        if (!File.Exists(path))
            throw new InputException($"--resume: {outDir} has no {StateFile}; there is no interrupted run to resume");
        using var doc = JsonText.Parse(File.ReadAllBytes(path), path, (m, e) => new InputException(m, e));
        var root = doc.RootElement;
        int step = Int(root, "step", path),
            saved = Int(root, "totalSteps", path),
            optStep = Int(root, "optimizerStep", path);
        if (!root.TryGetProperty("options", out var o) || o.ValueKind != JsonValueKind.Object)
            throw new InputException($"{path}: key 'options' is missing");
        foreach (var (k, v) in options.Describe())
        {
            var was = o.TryGetProperty(k, out var x) && x.ValueKind == JsonValueKind.String ? x.GetString() : null;
            if (was != v)
                throw new InputException(
                    $"--resume: option {k} is {v} but the interrupted run used {was ?? "(none)"}; give the same options"
                );
        }
        if (!root.TryGetProperty("dataSha256", out var h) || h.GetString() != dataHash)
            throw new InputException(
                "--resume: the training data differs from the interrupted run's (--data, --max-train)"
            );
        if (saved != total || step < 0 || step > total)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: step {step} of {saved} does not fit a run of {total} steps"
                )
            );
        if (step == total)
            return total;
        var optPath = Path.Combine(outDir, OptimizerFile);
        if (!File.Exists(optPath))
            throw new InputException($"--resume: {optPath} is missing; the optimiser state cannot be restored");
        var m = new List<Tensor>();
        var v2 = new List<Tensor>();
        try
        {
            using var f = SafetensorsFile.Open(optPath);
            foreach (var (name, _) in leaves)
            {
                foreach (var (prefix, list) in new[] { ("m.", m), ("v.", v2) })
                {
                    if (!f.Contains(prefix + name))
                        throw new InputException($"{optPath}: optimiser key '{prefix + name}' is missing");
                    list.Add(f.ReadTensor(prefix + name, ScalarType.Float32));
                }
            }
            opt.Restore(optStep, m, v2);
        }
        finally
        {
            foreach (var t in m.Concat(v2))
                t.Dispose();
        }
        return step;
    }

    private static int Int(JsonElement root, string key, string path) =>
        root.TryGetProperty(key, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i)
            ? i
            : throw new InputException($"{path}: key '{key}' is missing or not an integer");
}
