using Glassbox.Views;

namespace Glassbox.Probing.Heads;

/// <summary>Turns a token-level attention map into a word-level one as Clark et al. (2019) do: attention TO a word
/// is the sum over its subword tokens (so each row still sums to at most 1), attention FROM a word is the mean over
/// its subword tokens. Special tokens and words without tokens are left out.</summary>
public static class WordAttention
{
    /// <summary>The word-level map [word, word] of map (layer, head) of <paramref name="s"/>.</summary>
    /// <exception cref="InputException">The input has no word alignment.</exception>
    public static double[,] Convert(SentenceAttention s, int layer, int head)
    {
        var words = s.Roles.WordTokens
            ?? throw new InputException("word-level attention needs word-aligned input (TokenRoles.FromAligned)");
        int w = words.Count,
            n = s.Length,
            o = s.Offset(layer, head);
        var result = new double[w, w];
        for (int i = 0; i < w; i++)
        {
            var from = words[i];
            if (from.Length == 0)
                continue;
            for (int j = 0; j < w; j++)
            {
                double sum = 0;
                foreach (var q in from)
                foreach (var k in words[j])
                    sum += s.Pattern[o + q * n + k];
                result[i, j] = sum / from.Length;
            }
        }
        return result;
    }
}
