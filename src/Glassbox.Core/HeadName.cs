using System.Globalization;
using System.Text.RegularExpressions;

namespace Glassbox;

/// <summary>The one spelling of an attention head in output, <c>L1H3</c> (layer 1, head 3, both 0-based), and the
/// spellings accepted on input: <c>L1H3</c>, <c>l1h3</c>, <c>L1-H3</c>, <c>L1.H3</c> and <c>1.3</c>.</summary>
public static partial class HeadName
{
    /// <summary>"L{layer}H{head}".</summary>
    public static string Format(int layer, int head) => string.Create(CultureInfo.InvariantCulture, $"L{layer}H{head}");

    /// <summary>Parses any accepted spelling; false for anything else (negative numbers included).</summary>
    public static bool TryParse(string? text, out int layer, out int head)
    {
        layer = head = -1;
        if (text is null)
            return false;
        var m = Pattern().Match(text.Trim());
        return m.Success
            && int.TryParse(m.Groups["l"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out layer)
            && int.TryParse(m.Groups["h"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out head);
    }

    /// <summary>Parses any accepted spelling.</summary>
    /// <exception cref="InputException">Not a head; the message names <paramref name="argument"/>.</exception>
    public static (int Layer, int Head) Parse(string text, string argument = "--head")
    {
        if (!TryParse(text, out int l, out int h))
            throw new InputException(
                $"{argument}: '{text}' is not a head; write L<layer>H<head> (e.g. L0H3), L0-H3 or 0.3"
            );
        return (l, h);
    }

    /// <summary>Parses a comma-separated list of heads in any accepted spelling.</summary>
    /// <exception cref="InputException">An entry is not a head; the message names <paramref name="argument"/>.</exception>
    public static IReadOnlyList<(int Layer, int Head)> ParseList(string text, string argument)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => Parse(p, argument))
            .ToList();
    }

    [GeneratedRegex(@"^(?:[Ll](?<l>\d+)[-.]?[Hh](?<h>\d+)|(?<l>\d+)\.(?<h>\d+))$")]
    private static partial Regex Pattern();
}
