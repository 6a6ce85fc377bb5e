using Glassbox.Data;
using Glassbox.Probing.Heads;
using Glassbox.Views;

namespace Glassbox.Tests.Probing.Heads;

/// <summary>Hand-made attention maps and a small parsed sentence for the head-analysis tests.</summary>
internal static class SyntheticAttention
{
    /// <summary>A map where query q puts all its weight on key target(q) (or uniform when target is -1).</summary>
    public static float[,] Map(int n, Func<int, int> target)
    {
        var m = new float[n, n];
        for (int q = 0; q < n; q++)
        {
            int t = target(q);
            if (t < 0)
                for (int k = 0; k < n; k++)
                    m[q, k] = 1f / n;
            else
                m[q, t] = 1;
        }
        return m;
    }

    /// <summary>Roles of n plain tokens (no specials, no words) with the given punctuation positions.</summary>
    public static TokenRoles Plain(int n, params int[] punct)
    {
        var p = new bool[n];
        foreach (var i in punct)
            p[i] = true;
        return new TokenRoles(Enumerable.Range(0, n).ToArray(), p, false, false);
    }

    /// <summary>"the dog chased a cat ." as [CLS] the do ##g chased a cat . [SEP] (9 tokens; "dog" has two subwords).</summary>
    public static (ConllSentence Parse, TokenRoles Roles) DogSentence()
    {
        var forms = new[] { "the", "dog", "chased", "a", "cat", "." };
        var heads = new[] { 2, 3, 0, 5, 3, 3 };
        var rels = new[] { "det", "nsubj", "root", "det", "obj", "punct" };
        var words = forms
            .Select((f, i) => new ConllWord(i + 1, f, f, "X", "X", new Dictionary<string, string>(), heads[i], rels[i]))
            .ToList();
        var parse = new ConllSentence("dog", string.Join(" ", forms), words, 1);
        var wordTokens = new[] { new[] { 1 }, new[] { 2, 3 }, new[] { 4 }, new[] { 5 }, new[] { 6 }, new[] { 7 } };
        var punct = new bool[9];
        punct[7] = true;
        return (parse, new TokenRoles(Enumerable.Range(0, 9).ToArray(), punct, true, true, null, wordTokens));
    }

    /// <summary>Token index of each word's first token in <see cref="DogSentence"/>, and the word of each token (-1 = special).</summary>
    public static readonly int[] DogFirstToken = { 1, 2, 4, 5, 6, 7 };
    public static readonly int[] DogWordOfToken = { -1, 0, 1, 1, 2, 3, 4, 5, -1 };
}
