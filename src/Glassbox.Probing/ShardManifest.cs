using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Glassbox.Models;
using Glassbox.Parts;

namespace Glassbox.Probing;

/// <summary>What the sharded probes (<see cref="MinimalPairShards"/>, <see cref="ClozeShards"/>) put in their parts
/// folder's manifest about the model and the settings, and the run manifest their merge reports from it.</summary>
internal static class ShardManifest
{
    /// <summary>The model's identity (name, kind, weights hash, dtype) and the settings every worker must share.</summary>
    public static Dictionary<string, string> Of(
        HookedTransformer model,
        string data,
        IEnumerable<(string Key, long Value)> numbers,
        string? limit
    )
    {
        var source = model.Source;
        var m = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = model.Name,
            ["modelKind"] = source?.Kind ?? "",
            ["modelSha256"] = source?.Sha256 ?? "",
            ["dtype"] = new Placement(model.DType, model.Device).DTypeName,
            ["dataSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data))),
            ["limit"] = limit ?? "none",
        };
        foreach (var (key, value) in numbers)
            m[key] = value.ToString(CultureInfo.InvariantCulture);
        return m;
    }

    /// <summary>The run manifest of a merged result: the model as the workers recorded it, the seed, the data in words
    /// and the settings named by <paramref name="options"/>.</summary>
    public static RunManifest Run(PartsManifest m, string command, string data, params string[] options) =>
        new()
        {
            Command = command,
            Model = m.Text("model"),
            ModelSource = new ModelSource(m.Text("modelKind"), "(each worker's copy)", m.Text("modelSha256")),
            DType = m.Text("dtype"),
            Seed = m.Int("seed"),
            DataDescription = string.Create(
                CultureInfo.InvariantCulture,
                $"{data} (sha256 {m.Text("dataSha256")}), in {m.Int("shards")} shards"
            ),
            Options = options.Append("limit").ToDictionary(k => k, m.Text, StringComparer.Ordinal),
        };
}
