using System.Text;

namespace Glassbox.Neurons.Explanations;

/// <summary>The parseable explanation the offline explainer writes and the rule simulator reads:
/// <c>fires on tokens: ' dog', ' cat'; n-grams: 'once upon', ' the dog'</c>. Items are single-quoted with
/// <c>\'</c>, <c>\\</c>, <c>\n</c> and <c>\t</c> escapes and listed strongest first; an n-gram is its tokens' text
/// concatenated. Parsing is lenient: quoted items before <c>n-grams:</c> are tokens, after it n-grams, and an
/// explanation with no quotes has no items.</summary>
public static class ExplanationFormat
{
    /// <summary>What an explanation names.</summary>
    /// <param name="Tokens">Single tokens, strongest first.</param>
    /// <param name="Ngrams">Multi-token n-grams (text of the tokens concatenated), strongest first.</param>
    public sealed record Items(IReadOnlyList<string> Tokens, IReadOnlyList<string> Ngrams)
    {
        /// <summary>True when the explanation names nothing.</summary>
        public bool IsEmpty => Tokens.Count == 0 && Ngrams.Count == 0;
    }

    private const string NgramMarker = "n-grams:";

    /// <summary>Writes the explanation.</summary>
    public static string Format(IReadOnlyList<string> tokens, IReadOnlyList<string> ngrams)
    {
        var sb = new StringBuilder("fires on tokens: ");
        sb.Append(tokens.Count == 0 ? "(none)" : string.Join(", ", tokens.Select(Quote)));
        if (ngrams.Count > 0)
            sb.Append("; ").Append(NgramMarker).Append(' ').Append(string.Join(", ", ngrams.Select(Quote)));
        return sb.ToString();
    }

    /// <summary>Reads the items of an explanation (see the type's summary); never throws.</summary>
    public static Items Parse(string? explanation)
    {
        var tokens = new List<string>();
        var ngrams = new List<string>();
        if (string.IsNullOrEmpty(explanation))
            return new Items(tokens, ngrams);
        int marker = explanation.IndexOf(NgramMarker, StringComparison.OrdinalIgnoreCase);
        int i = 0;
        while (i < explanation.Length)
        {
            if (explanation[i] != '\'')
            {
                i++;
                continue;
            }
            int start = i;
            var sb = new StringBuilder();
            i++;
            bool closed = false;
            while (i < explanation.Length)
            {
                char c = explanation[i];
                if (c == '\\' && i + 1 < explanation.Length)
                {
                    sb.Append(
                        explanation[i + 1] switch
                        {
                            'n' => '\n',
                            't' => '\t',
                            char other => other,
                        }
                    );
                    i += 2;
                    continue;
                }
                if (c == '\'')
                {
                    closed = true;
                    i++;
                    break;
                }
                sb.Append(c);
                i++;
            }
            if (!closed || sb.Length == 0)
                continue;
            (marker >= 0 && start > marker ? ngrams : tokens).Add(sb.ToString());
        }
        return new Items(
            tokens.Distinct(StringComparer.Ordinal).ToList(),
            ngrams.Distinct(StringComparer.Ordinal).ToList()
        );
    }

    /// <summary>An item in single quotes with escapes.</summary>
    public static string Quote(string item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var sb = new StringBuilder("'");
        foreach (char c in item)
            sb.Append(
                c switch
                {
                    '\'' => "\\'",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\t' => "\\t",
                    _ => c.ToString(),
                }
            );
        return sb.Append('\'').ToString();
    }
}
