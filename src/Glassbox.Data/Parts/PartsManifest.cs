using System.Globalization;

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
}
