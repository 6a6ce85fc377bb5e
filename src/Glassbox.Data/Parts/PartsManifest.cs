using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Glassbox.Parts;

/// <summary>The manifest of a <see cref="PartsFolder"/> as read back: typed fields, and a clear error naming the folder
/// option and the field when one is missing or malformed (a manifest edited by hand, or from another version).</summary>
public sealed class PartsManifest(IReadOnlyDictionary<string, string> values, string argument)
{
    /// <summary>Every field.</summary>
    public IReadOnlyDictionary<string, string> Values => values;

    /// <summary>A field's text.</summary>
    /// <exception cref="InputException">The field is missing.</exception>
    public string Text(string key) =>
        values.TryGetValue(key, out var v) ? v : throw new InputException($"{argument}: the manifest lacks '{key}'");

    /// <summary>A field that holds a whole number.</summary>
    /// <exception cref="InputException">The field is missing or not a whole number.</exception>
    public int Int(string key) =>
        int.TryParse(Text(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new InputException($"{argument}: manifest field '{key}' is not a whole number: '{Text(key)}'");

    /// <summary>The fields every sharded job's manifest starts with: the model's identity (name, kind, checkpoint hash,
    /// dtype), the hash of the job's data, the item limit, and the settings every worker must share.</summary>
    /// <param name="model">Model name.</param>
    /// <param name="modelKind">How it was loaded (e.g. hf), or empty.</param>
    /// <param name="modelSha256">Checkpoint hash, or empty.</param>
    /// <param name="dtype">Precision name, e.g. float32.</param>
    /// <param name="data">The job's data as one text (hashed).</param>
    /// <param name="numbers">Whole-number settings.</param>
    /// <param name="limit">An item limit, or null for none.</param>
    public static Dictionary<string, string> For(
        string model,
        string modelKind,
        string modelSha256,
        string dtype,
        string data,
        IEnumerable<(string Key, long Value)> numbers,
        string? limit = null
    )
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(numbers);
        var m = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = model,
            ["modelKind"] = modelKind,
            ["modelSha256"] = modelSha256,
            ["dtype"] = dtype,
            ["dataSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data))),
            ["limit"] = limit ?? "none",
        };
        foreach (var (key, value) in numbers)
            m[key] = value.ToString(CultureInfo.InvariantCulture);
        return m;
    }

    /// <summary>The run manifest of a merged result: the model as the workers recorded it, the seed, the data in words
    /// and the settings named by <paramref name="options"/> (plus the limit).</summary>
    public RunManifest ToRun(string command, string data, params string[] options) =>
        new()
        {
            Command = command,
            Model = Text("model"),
            ModelSource = new ModelSource(Text("modelKind"), "(each worker's copy)", Text("modelSha256")),
            DType = Text("dtype"),
            Seed = Int("seed"),
            DataDescription = string.Create(
                CultureInfo.InvariantCulture,
                $"{data} (sha256 {Text("dataSha256")}), in {Int("shards")} shards"
            ),
            Options = options.Append("limit").ToDictionary(k => k, Text, StringComparer.Ordinal),
        };
}
