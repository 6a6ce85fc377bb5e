using System.Text;

namespace Glassbox.Tokenization;

/// <summary>
/// One visible label per token for every view that shows tokens (heatmaps, tables, attention views). A leading space
/// (or the SentencePiece '▁' / GPT-2 'Ġ' markers that stand for one) becomes '·'; newlines become '⏎', tabs '⇥', other
/// whitespace '␣'; an empty token becomes '∅'. So "world" and " world" look different and no label is ever blank.
/// </summary>
public static class TokenDisplay
{
    /// <summary>Marker shown for a leading space.</summary>
    public const char Space = '·';

    /// <summary>Marker shown for an empty token.</summary>
    public const string Empty = "∅";

    /// <summary>The visible label of <paramref name="token"/> (null is treated as empty).</summary>
    public static string Label(string? token)
    {
        if (string.IsNullOrEmpty(token)) return Empty;
        var sb = new StringBuilder(token.Length);
        bool leading = true;
        foreach (char ch in token)
        {
            if (leading && ch is ' ' or '\u2581' or '\u0120') { sb.Append(Space); continue; }
            leading = false;
            sb.Append(ch switch
            {
                '\n' => '⏎',
                '\r' => '↵',
                '\t' => '⇥',
                '\u2581' or '\u0120' => Space,
                _ when char.IsWhiteSpace(ch) => '␣',
                _ => ch,
            });
        }
        return sb.ToString();
    }

    /// <summary>Labels of several tokens.</summary>
    public static IReadOnlyList<string> Labels(IEnumerable<string?> tokens) => tokens.Select(Label).ToList();
}
