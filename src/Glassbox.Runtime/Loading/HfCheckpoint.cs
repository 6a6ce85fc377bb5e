using System.Text.Json;
using Glassbox.Models;
using Glassbox.Models.Families;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>
/// Loads a Hugging Face checkpoint folder (config.json plus model.safetensors or sharded safetensors) into canonical
/// weights, strictly: every missing parameter, every unexpected key and every shape mismatch is collected and reported
/// together in one <see cref="WeightMismatchException"/>.
/// </summary>
public static class HfCheckpoint
{
    /// <summary>Name of the config file in a checkpoint folder.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>Reads and validates <c>config.json</c> of a checkpoint folder.</summary>
    /// <param name="dir">The checkpoint folder.</param>
    /// <returns>The family that handles it and the validated, normalised config.</returns>
    /// <exception cref="ConfigException">The file is missing or not JSON, names an unknown architecture, or lacks a required field.</exception>
    public static (IModelFamily Family, ModelConfig Config) ReadConfig(string dir)
    {
        string path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path))
            throw new ConfigException($"{path}: config file not found");
        var doc = JsonText.Parse(File.ReadAllBytes(path), path, (m, inner) => new ConfigException(m, inner));
        using (doc)
            return FamilyRegistry.ReadConfig(doc.RootElement, path);
    }

    /// <summary>Loads a checkpoint folder into canonical weights.</summary>
    /// <param name="dir">Folder with config.json and model.safetensors (or model.safetensors.index.json and its shards).</param>
    /// <param name="dtype">Floating-point type of the returned weights; f16/bf16/f64 checkpoints are converted.</param>
    /// <returns>The config and weights; dispose to free the tensors.</returns>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating-point type.</exception>
    /// <exception cref="ConfigException">config.json is missing, malformed, or names an unknown architecture.</exception>
    /// <exception cref="ModelFormatException">The safetensors files are missing or malformed.</exception>
    /// <exception cref="WeightMismatchException">The weights do not match the config; lists every problem.</exception>
    /// <exception cref="ModelFormatException">Also: a tensor holds NaN or infinite values (the message names the file and the first bad tensors).</exception>
    public static LoadedWeights Load(string dir, ScalarType dtype = ScalarType.Float32) =>
        LoadSelected(dir, dtype, null);

    /// <summary>Loads a checkpoint folder as <see cref="Load(string, ScalarType)"/> does; with
    /// <paramref name="mapFiles"/>, every tensor the files store in <paramref name="dtype"/> is memory-mapped instead
    /// of read (<see cref="SafetensorsFile.MapTensor"/>: file-backed pages shared with other processes and read when
    /// touched); the validation is the same.</summary>
    /// <param name="dir">The checkpoint folder.</param>
    /// <param name="dtype">Floating-point type of the returned weights.</param>
    /// <param name="mapFiles">Map the files instead of reading them where the dtype allows.</param>
    /// <returns>The config and weights; dispose to free the tensors (a mapping ends with its last tensor).</returns>
    public static LoadedWeights Load(string dir, ScalarType dtype, bool mapFiles) =>
        LoadSelected(dir, dtype, null, mapFiles);

    /// <summary>Loads the canonical weights that <paramref name="include"/> selects (by canonical name), after
    /// validating the whole checkpoint as <see cref="Load(string, ScalarType)"/> does; the other tensors are checked
    /// (name, shape, dtype) but not read. Layer streaming reads one block at a time this way.</summary>
    internal static LoadedWeights LoadSelected(
        string dir,
        ScalarType dtype,
        Func<string, bool>? include,
        bool mapFiles = false
    )
    {
        if (!IsFloat(dtype))
            throw new ArgumentException($"weights dtype must be floating point, got {dtype}", nameof(dtype));
        if (!Directory.Exists(dir))
            throw new ModelFormatException($"{dir}: checkpoint folder not found");
        var (family, config) = ReadConfig(dir);
        var layout = ParameterLayout.For(config).ToDictionary(s => s.Name, s => s.Shape, StringComparer.Ordinal);
        var keys = family.WeightKeys(config);
        var byHf = keys.ToDictionary(k => k.HfKey, StringComparer.Ordinal);
        CheckFamilyCoversLayout(family, keys, layout);

        using var files = CheckpointFiles.Open(dir);
        var problems = new List<string>();
        var nonFinite = new List<(string File, string Problem)>();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var accounted = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (string key in files.Keys)
            {
                var wk = Resolve(key, family, byHf);
                if (wk is null)
                {
                    if (!IsIgnored(key, family, config))
                        problems.Add($"unexpected key '{key}' in {files.FileOf(key)}");
                    continue;
                }
                if (!seen.TryAdd(wk.HfKey, key))
                {
                    problems.Add($"unexpected key '{key}': duplicates '{seen[wk.HfKey]}'");
                    continue;
                }
                foreach (var n in wk.Canonical)
                    accounted.Add(n);
                var entry = files.Entry(key);
                var shapes = wk.Canonical.Select(n => layout[n]).ToList();
                var expected = wk.Codec.HfShape(shapes);
                string feeds = string.Join(", ", wk.Canonical);
                if (!entry.Shape.SequenceEqual(expected))
                {
                    problems.Add(
                        $"shape mismatch for '{key}' (feeds {feeds}): expected {LayoutCheck.ShapeText(expected)}, got {entry.ShapeText}"
                    );
                    continue;
                }
                if (!IsFloat(entry.ScalarType))
                {
                    problems.Add(
                        $"dtype mismatch for '{key}' (feeds {feeds}): expected a floating-point type, got {entry.DType}"
                    );
                    continue;
                }
                if (problems.Count > 0)
                    continue; // already failing: keep collecting problems, skip reading data
                if (include is not null && !wk.Canonical.Any(include))
                    continue;
                using var hf = files.Read(key, dtype, mapFiles);
                if (FiniteWeights.Problem(key, hf) is { } bad)
                    nonFinite.Add((files.FileOf(key), bad));
                var parts = wk.Codec.Decode(hf, shapes);
                for (int i = 0; i < parts.Length; i++)
                    result[wk.Canonical[i]] = parts[i];
            }
            foreach (var (name, shape) in layout)
            {
                if (accounted.Contains(name))
                    continue;
                var from = keys.FirstOrDefault(k => k.Canonical.Contains(name));
                problems.Add(
                    $"missing '{name}' {LayoutCheck.ShapeText(shape)}"
                        + (from is null ? "" : $" (checkpoint key '{from.HfKey}')")
                );
            }
            if (problems.Count > 0)
                throw new WeightMismatchException(dir, problems);
            FiniteWeights.ThrowIfAny(nonFinite);
            return new LoadedWeights(config, result);
        }
        catch
        {
            foreach (var t in result.Values)
                t.Dispose();
            throw;
        }
    }

    private static WeightKey? Resolve(string key, IModelFamily family, Dictionary<string, WeightKey> byHf)
    {
        if (byHf.TryGetValue(key, out var wk))
            return wk;
        foreach (var p in family.OptionalKeyPrefixes)
        {
            if (key.StartsWith(p, StringComparison.Ordinal) && byHf.TryGetValue(key[p.Length..], out wk))
                return wk;
        }
        return null;
    }

    private static bool IsIgnored(string key, IModelFamily family, ModelConfig c)
    {
        if (family.IsIgnoredKey(key, c))
            return true;
        foreach (var p in family.OptionalKeyPrefixes)
        {
            if (key.StartsWith(p, StringComparison.Ordinal) && family.IsIgnoredKey(key[p.Length..], c))
                return true;
        }
        return false;
    }

    private static void CheckFamilyCoversLayout(
        IModelFamily family,
        IReadOnlyList<WeightKey> keys,
        Dictionary<string, long[]> layout
    )
    {
        var fed = keys.SelectMany(k => k.Canonical).ToList();
        var bad = fed.Where(n => !layout.ContainsKey(n))
            .Concat(fed.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key + " (twice)"))
            .ToList();
        if (bad.Count > 0)
            throw new InvalidOperationException(
                $"family '{family.Name}' maps keys onto names outside the canonical layout: {string.Join(", ", bad)}"
            );
    }

    internal static bool IsFloat(ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64;
}
