using System.Globalization;
using Glassbox.Data;

namespace Glassbox.Probing.Edge;

/// <summary>The words a dependency subtree covers: 0-based <c>Start</c> (inclusive) to <c>End</c> (exclusive) from its
/// leftmost to its rightmost word. <c>Contiguous</c> is false when the subtree has gaps (non-projective trees); such
/// subtrees are not spans and the edge tasks skip them.</summary>
/// <param name="Head">0-based index of the subtree's root word.</param>
/// <param name="Start">First word (0-based).</param>
/// <param name="End">One past the last word.</param>
/// <param name="Size">Number of words in the subtree.</param>
public sealed record SubtreeSpan(int Head, int Start, int End, int Size)
{
    /// <summary>Words from <see cref="Start"/> to <see cref="End"/>.</summary>
    public int Length => End - Start;

    /// <summary>Whether every word between the ends belongs to the subtree.</summary>
    public bool Contiguous => Size == Length;
}

/// <summary>Computes the subtree span of every word of a dependency tree.</summary>
public static class SubtreeSpans
{
    /// <summary>The subtree of each word, in word order. Heads are 1-based (<see cref="ConllWord.Head"/>, 0 = root).</summary>
    /// <exception cref="InputException">A head index is out of range or the heads contain a cycle.</exception>
    public static IReadOnlyList<SubtreeSpan> Compute(IReadOnlyList<ConllWord> words)
    {
        int n = words.Count;
        var start = Enumerable.Range(0, n).ToArray();
        var end = Enumerable.Range(1, n).ToArray();
        var size = Enumerable.Repeat(1, n).ToArray();
        // Walk from every word up to the root, widening each ancestor's range by the word.
        for (int w = 0; w < n; w++)
        {
            int h = words[w].Head,
                steps = 0;
            while (h != 0)
            {
                if (h < 0 || h > n)
                    throw new InputException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"word {w + 1} ('{words[w].Form}') has head {h}, outside 1..{n}"
                        )
                    );
                if (++steps > n)
                    throw new InputException($"the heads of the sentence starting '{words[0].Form}' contain a cycle");
                int a = h - 1;
                start[a] = Math.Min(start[a], w);
                end[a] = Math.Max(end[a], w + 1);
                size[a]++;
                h = words[a].Head;
            }
        }
        return Enumerable.Range(0, n).Select(i => new SubtreeSpan(i, start[i], end[i], size[i])).ToArray();
    }
}
