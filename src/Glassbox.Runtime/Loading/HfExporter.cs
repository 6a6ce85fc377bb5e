using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glassbox.Models;
using Glassbox.Models.Families;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>
/// Writes canonical weights back out as a Hugging Face checkpoint folder (config.json and model.safetensors) that
/// <see cref="HfCheckpoint.Load(string, TorchSharp.torch.ScalarType)"/> reads back to identical tensors and an equal config.
/// </summary>
public static class HfExporter
{
    /// <summary>Exports a model.</summary>
    /// <param name="config">The config; its <see cref="ModelConfig.Architecture"/> picks the family.</param>
    /// <param name="canonicalWeights">Weights under the names of <see cref="ParameterLayout.For"/>; not disposed.</param>
    /// <param name="dir">Destination folder (created if needed); existing config.json and model.safetensors are replaced atomically.</param>
    /// <exception cref="ConfigException">Unknown architecture, an invalid config, or one the family's config.json cannot express.</exception>
    /// <exception cref="WeightMismatchException">The weights do not match the config's canonical layout; lists every problem.</exception>
    public static void Export(ModelConfig config, IReadOnlyDictionary<string, Tensor> canonicalWeights, string dir)
    {
        var family = FamilyRegistry.ForModelType(config.Architecture, "export");
        config.Validate();
        var normal = ConfigNormalization.Normalize(config);
        var json = family.WriteConfig(normal);
        using (var doc = JsonDocument.Parse(json.ToJsonString()))
        {
            var back = family.ReadConfig(doc.RootElement, "exported config.json");
            var diffs = ConfigNormalization.Differences(normal, back);
            if (diffs.Count > 0)
                throw new ConfigException(
                    $"export: config cannot be expressed as a {family.Name} config.json; these fields would change: {string.Join("; ", diffs)}"
                );
        }
        var problems = LayoutCheck.Problems(normal, canonicalWeights);
        if (problems.Count > 0)
            throw new WeightMismatchException("export", problems);

        Directory.CreateDirectory(dir);
        var first = canonicalWeights.Values.FirstOrDefault();
        if (first is not null)
            json["torch_dtype"] = TorchDtypeName(first.dtype);
        using (var scope = torch.NewDisposeScope())
        {
            var encoded = new List<(string, Tensor)>();
            foreach (var wk in family.WeightKeys(normal))
                encoded.Add((wk.HfKey, wk.Codec.Encode(wk.Canonical.Select(n => canonicalWeights[n]).ToList())));
            SafetensorsWriter.Write(
                Path.Combine(dir, CheckpointFiles.SingleFile),
                encoded,
                new Dictionary<string, string> { ["format"] = "pt" }
            );
        }
        WriteTextAtomically(
            Path.Combine(dir, HfCheckpoint.ConfigFile),
            json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"
        );
    }

    private static string TorchDtypeName(ScalarType t) =>
        t switch
        {
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Float64 => "float64",
            _ => "float32",
        };

    private static void WriteTextAtomically(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, text, new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}
