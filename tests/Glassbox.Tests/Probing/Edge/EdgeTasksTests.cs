using Glassbox.Data;
using Glassbox.Probing;
using Glassbox.Probing.Edge;

namespace Glassbox.Tests.Probing.Edge;

public class EdgeTasksTests
{
    // "The old man saw the dog in the park ." : saw is root; man <- the, old; dog <- the; park <- in, the; park -> saw (obl).
    private const string Tree = """
        # sent_id = t1
        1	The	the	DET	DT	_	3	det	_	_
        2	old	old	ADJ	JJ	_	3	amod	_	_
        3	man	man	NOUN	NN	_	4	nsubj	_	_
        4	saw	see	VERB	VBD	_	0	root	_	_
        5	the	the	DET	DT	_	6	det	_	_
        6	dog	dog	NOUN	NN	_	4	obj	_	_
        7	in	in	ADP	IN	_	9	case	_	_
        8	the	the	DET	DT	_	9	det	_	_
        9	park	park	NOUN	NN	_	4	obl	_	_
        10	.	.	PUNCT	.	_	4	punct	_	_

        # sent_id = nonprojective: 'A hearing is scheduled on the issue today' with 'on the issue' attached to 'hearing'
        1	A	a	DET	DT	_	2	det	_	_
        2	hearing	hearing	NOUN	NN	_	4	nsubj:pass	_	_
        3	is	be	AUX	VBZ	_	4	aux:pass	_	_
        4	scheduled	schedule	VERB	VBN	_	0	root	_	_
        5	on	on	ADP	IN	_	7	case	_	_
        6	the	the	DET	DT	_	7	det	_	_
        7	issue	issue	NOUN	NN	_	2	nmod	_	_
        8	today	today	NOUN	NN	_	4	obl:tmod	_	_

        """;

    private static IReadOnlyList<ConllSentence> Parse() =>
        ConllUReader.Parse(new StringReader(Tree.Replace("        ", "")), "test");

    [Fact]
    public void Should_compute_subtree_spans_as_contiguous_ranges()
    {
        var s = SubtreeSpans.Compute(Parse()[0].Words);
        Assert.Equal((0, 3), (s[2].Start, s[2].End)); // The old man
        Assert.Equal((0, 10), (s[3].Start, s[3].End)); // the whole sentence under 'saw'
        Assert.Equal((4, 6), (s[5].Start, s[5].End)); // the dog
        Assert.Equal((6, 9), (s[8].Start, s[8].End)); // in the park
        Assert.Equal((6, 7), (s[6].Start, s[6].End)); // a leaf
        Assert.All(s, x => Assert.True(x.Contiguous));
        Assert.Equal(3, s[8].Size);
    }

    [Fact]
    public void Should_flag_non_contiguous_subtrees_of_non_projective_trees()
    {
        var s = SubtreeSpans.Compute(Parse()[1].Words);
        // 'hearing' covers A hearing ... on the issue but not 'is scheduled'.
        Assert.Equal((0, 7), (s[1].Start, s[1].End));
        Assert.Equal(5, s[1].Size);
        Assert.False(s[1].Contiguous);
        Assert.True(s[6].Contiguous);
    }

    [Fact]
    public void Should_label_spans_with_phrase_types_and_pairs_with_relations()
    {
        var sents = Parse();
        var spans = EdgeTasks.Examples(sents[0], 0, EdgeTask.Span);
        Assert.Equal(
            new[] { ("NP", 0, 3), ("S", 0, 10), ("NP", 4, 6), ("PP", 6, 9) },
            spans.Select(e => (e.Label, e.Start1, e.End1))
        );
        Assert.Equal("man", spans[0].Type);
        var pairs = EdgeTasks.Examples(sents[0], 0, EdgeTask.Pair);
        Assert.DoesNotContain(pairs, p => p.Label is "punct" or "root");
        var obl = Assert.Single(pairs, p => p.Label == "obl");
        Assert.Equal((0, 10, 6, 9), (obl.Start1, obl.End1, obl.Start2, obl.End2));
        var det = pairs.First(p => p.Label == "det");
        Assert.Equal((0, 3, 0, 1), (det.Start1, det.End1, det.Start2, det.End2));
        // Non-projective sentence: pairs with the gappy subtree of 'hearing' (as head or dependent) are skipped, subtypes dropped.
        var np = EdgeTasks.Examples(sents[1], 1, EdgeTask.Pair);
        Assert.DoesNotContain(np, p => p.Type is "issue" or "a" or "hearing");
        Assert.Contains(np, p => p.Label == "aux" && p.Type == "is");
        Assert.Contains(np, p => p.Label == "obl" && p.Type == "today");
    }

    [Fact]
    public void Should_reject_heads_outside_the_sentence()
    {
        var words = new[] { new ConllWord(1, "a", "a", "X", "X", new Dictionary<string, string>(), 5, "dep") };
        Assert.Throws<InputException>(() => SubtreeSpans.Compute(words));
    }
}
