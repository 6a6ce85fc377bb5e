using Glassbox.Data;

namespace Glassbox.Probing.Edge;

/// <summary>The edge-probing task.</summary>
public enum EdgeTask
{
    /// <summary>One span: the phrase type of a subtree of two or more words (see <see cref="EdgeTasks.PhraseType"/>).</summary>
    Span,

    /// <summary>Two spans: the dependency relation between a head's subtree and one of its dependents' subtrees.</summary>
    Pair,
}

/// <summary>One edge-probing example: one or two word spans of a sentence (0-based, end exclusive) and a label.</summary>
/// <param name="Sentence">Index of the sentence.</param>
/// <param name="Start1">First word of span 1.</param>
/// <param name="End1">One past the last word of span 1.</param>
/// <param name="Start2">First word of span 2 (-1 for one-span tasks).</param>
/// <param name="End2">One past the last word of span 2 (-1 for one-span tasks).</param>
/// <param name="Label">Gold label.</param>
/// <param name="Type">Lower-cased form of the word the control task keys on (the span head, or the dependent for pairs).</param>
public sealed record EdgeExample(int Sentence, int Start1, int End1, int Start2, int End2, string Label, string Type)
{
    /// <summary>Whether the example has a second span.</summary>
    public bool IsPair => Start2 >= 0;
}

/// <summary>
/// Edge-probing examples built from UD trees (Tenney et al. 2019, adapted to dependency treebanks):
/// <list type="bullet">
/// <item><b>span</b>: every contiguous subtree of at least two words (punctuation excluded from the count) is a span
/// labelled with a constituent-like phrase type derived from its root word (<see cref="PhraseType"/>).</item>
/// <item><b>pair</b>: for every non-punctuation dependent, span 1 is the head's subtree and span 2 the dependent's subtree
/// (it lies inside span 1); the label is the dependent's relation without subtype (<c>nsubj:pass</c> → <c>nsubj</c>).</item>
/// </list>
/// Non-contiguous subtrees (non-projective trees) are skipped.
/// </summary>
public static class EdgeTasks
{
    /// <summary>The examples of one sentence.</summary>
    public static IReadOnlyList<EdgeExample> Examples(ConllSentence sentence, int sentenceIndex, EdgeTask task)
    {
        var words = sentence.Words;
        var spans = SubtreeSpans.Compute(words);
        var result = new List<EdgeExample>();
        for (int i = 0; i < words.Count; i++)
        {
            var w = words[i];
            if (w.Upos == "PUNCT")
                continue;
            var s = spans[i];
            if (!s.Contiguous)
                continue;
            if (task == EdgeTask.Span)
            {
                int content = Enumerable.Range(s.Start, s.Length).Count(j => words[j].Upos != "PUNCT");
                if (content < 2)
                    continue;
                result.Add(
                    new EdgeExample(
                        sentenceIndex,
                        s.Start,
                        s.End,
                        -1,
                        -1,
                        PhraseType(words, i),
                        w.Form.ToLowerInvariant()
                    )
                );
            }
            else
            {
                if (w.Head == 0)
                    continue;
                var h = spans[w.Head - 1];
                if (!h.Contiguous)
                    continue;
                result.Add(
                    new EdgeExample(
                        sentenceIndex,
                        h.Start,
                        h.End,
                        s.Start,
                        s.End,
                        w.Deprel.Split(':')[0],
                        w.Form.ToLowerInvariant()
                    )
                );
            }
        }
        return result;
    }

    /// <summary>A constituent-like label for the subtree rooted at word <paramref name="root"/> (0-based):
    /// <c>S</c> when the root has a (clausal) subject dependent; else <c>PP</c> when it has a <c>case</c> dependent;
    /// else by the root's UPOS: NOUN/PROPN/PRON/NUM → <c>NP</c>, VERB/AUX → <c>VP</c>, ADJ → <c>ADJP</c>, ADV → <c>ADVP</c>,
    /// anything else → <c>XP</c>.</summary>
    public static string PhraseType(IReadOnlyList<ConllWord> words, int root)
    {
        int id = root + 1;
        bool subject = false,
            casePhrase = false;
        foreach (var w in words)
        {
            if (w.Head != id)
                continue;
            var rel = w.Deprel.Split(':')[0];
            if (rel is "nsubj" or "csubj")
                subject = true;
            if (rel == "case")
                casePhrase = true;
        }
        if (subject)
            return "S";
        if (casePhrase)
            return "PP";
        return words[root].Upos switch
        {
            "NOUN" or "PROPN" or "PRON" or "NUM" => "NP",
            "VERB" or "AUX" => "VP",
            "ADJ" => "ADJP",
            "ADV" => "ADVP",
            _ => "XP",
        };
    }
}
