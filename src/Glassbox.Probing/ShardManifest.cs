using Glassbox.Models;
using Glassbox.Parts;

namespace Glassbox.Probing;

/// <summary>What the sharded probes (<see cref="MinimalPairShards"/>, <see cref="ClozeShards"/>) put in their parts
/// folder's manifest about the model and the settings (<see cref="PartsManifest.For"/>), and the run manifest their
/// merge reports from it.</summary>
internal static class ShardManifest
{
    /// <summary>The model's identity (name, kind, weights hash, dtype) and the settings every worker must share.</summary>
    public static Dictionary<string, string> Of(
        HookedTransformer model,
        string data,
        IEnumerable<(string Key, long Value)> numbers,
        string? limit
    ) =>
        PartsManifest.For(
            model.Name,
            model.Source?.Kind ?? "",
            model.Source?.Sha256 ?? "",
            new Placement(model.DType, model.Device).DTypeName,
            data,
            numbers,
            limit
        );

    /// <summary>The run manifest of a merged result (<see cref="PartsManifest.ToRun"/>).</summary>
    public static RunManifest Run(PartsManifest m, string command, string data, params string[] options) =>
        m.ToRun(command, data, options);
}
