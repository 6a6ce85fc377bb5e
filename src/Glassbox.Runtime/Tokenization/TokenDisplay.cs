using System.Text;

namespace Glassbox.Tokenization;

/// <summary>
/// One visible label per token for every view that shows tokens (heatmaps, tables, attention views, console tables).
/// A leading space (or the SentencePiece '▁' that stands for one) becomes '·', the visible marker TransformerLens users
/// know as GPT-2's 'Ġ' (the tokenizers here decode 'Ġ' to a space, so a 'Ġ' left in a token is the letter); newlines
/// become '⏎', carriage returns '↵', tabs '⇥', other whitespace '␣', other control characters their Unicode control
/// picture (U+2400 + code); an empty token becomes '∅'. So "world" and " world" look different and no label is ever
/// blank. Token strings themselves (<c>ToStrTokens</c>, JSON output) stay raw.
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
        if (string.IsNullOrEmpty(token))
            return Empty;
        var sb = new StringBuilder(token.Length);
        bool leading = true;
        foreach (char ch in token)
        {
            if (leading && ch is ' ' or '\u2581')
            {
                sb.Append(Space);
                continue;
            }
            leading = false;
            sb.Append(
                ch switch
                {
                    '\n' => '⏎',
                    '\r' => '↵',
                    '\t' => '⇥',
                    '\u2581' => Space,
                    < ' ' => (char)(0x2400 + ch),
                    '\u007f' => '\u2421',
                    _ when char.IsWhiteSpace(ch) => '␣',
                    _ => ch,
                }
            );
        }
        return sb.ToString();
    }

    /// <summary>Labels of several tokens, in order.</summary>
    public static IReadOnlyList<string> Labels(IEnumerable<string?> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return tokens.Select(Label).ToList();
    }
}
