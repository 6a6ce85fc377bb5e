using Glassbox.Probing.Heads;
using Glassbox.Views;

namespace Glassbox.Tests.Probing.Heads;

public sealed class DependencyHeadsTests
{
    private static readonly int[] Heads = { 2, 3, 0, 5, 3, 3 }; // 1-based heads of "the dog chased a cat ."

    /// <summary>Head 0: every word attends to its syntactic head (root and specials to [CLS]). Head 1: every token to the
    /// next token. Head 2: every word to the previous word (so the syntactic head of a det attends to it).</summary>
    private static SentenceAttention Dog()
    {
        var (_, roles) = SyntheticAttention.DogSentence();
        int SyntacticHead(int q)
        {
            int w = SyntheticAttention.DogWordOfToken[q];
            return w < 0 || Heads[w] == 0 ? 0 : SyntheticAttention.DogFirstToken[Heads[w] - 1];
        }
        int PreviousWord(int q)
        {
            int w = SyntheticAttention.DogWordOfToken[q];
            return w <= 0 ? 0 : SyntheticAttention.DogFirstToken[w - 1];
        }
        return SentenceAttention.FromMaps(
            new[]
            {
                new[]
                {
                    SyntheticAttention.Map(9, SyntacticHead),
                    SyntheticAttention.Map(9, q => Math.Min(q + 1, 8)),
                    SyntheticAttention.Map(9, PreviousWord),
                },
            },
            roles
        );
    }

    [Fact]
    public void Should_give_accuracy_1_to_a_head_that_attends_to_the_syntactic_head()
    {
        var (parse, _) = SyntheticAttention.DogSentence();
        var r = DependencyHeads.Evaluate(
            new[] { Dog() },
            new[] { parse },
            new DependencyHeadOptions { Relations = new[] { "nsubj", "obj", "det" }, Resamples = 50 }
        );
        foreach (var rel in r.Relations)
        {
            Assert.Equal(1.0, rel.AccuracyDependentToHead[0][0], 6);
            Assert.Equal(1.0, rel.Accuracy, 6);
        }
        var obj = r.Relations[1];
        Assert.Equal("L0H0", obj.BestHead);
        Assert.Equal(AttentionDirection.DependentToHead, obj.Direction);
        Assert.Equal(-2, obj.BaselineOffset); // cat (5) -> chased (3)
        Assert.Equal(1.0, obj.BaselineAccuracy, 6);
        Assert.Equal(2, r.Relations[2].Count);
        Assert.Equal(1, r.Relations[0].BaselineOffset); // dog -> chased
    }

    [Fact]
    public void Should_read_the_head_to_dependent_direction_from_who_attends_to_the_dependent()
    {
        var (parse, _) = SyntheticAttention.DogSentence();
        var det = DependencyHeads
            .Evaluate(
                new[] { Dog() },
                new[] { parse },
                new DependencyHeadOptions { Relations = new[] { "det" }, Resamples = 0 }
            )
            .Relations[0];
        Assert.Equal(1.0, det.AccuracyHeadToDependent[0][2], 6); // dog attends to the, cat attends to a
        Assert.Equal(0.0, det.AccuracyDependentToHead[0][2], 6); // the/a look left ([CLS] or a non-head word)
        Assert.Equal(1.0, det.AccuracyDependentToHead[0][1], 6); // next-token head: the->dog, a->cat
        Assert.False(det.BeatsBaseline); // the +1 offset is also perfect
    }

    [Fact]
    public void Should_sum_attention_to_a_word_and_average_attention_from_it()
    {
        var (_, roles) = SyntheticAttention.DogSentence();
        var m = new float[9, 9];
        m[2, 4] = 1;
        m[3, 4] = 0.5f;
        m[3, 0] = 0.5f; // "do" -> chased; "##g" half chased, half [CLS]
        m[4, 2] = 0.25f;
        m[4, 3] = 0.25f;
        m[4, 0] = 0.5f; // chased -> both subwords of dog
        var s = SentenceAttention.FromMaps(new[] { new[] { m } }, roles);
        var w = WordAttention.Convert(s, 0, 0);
        Assert.Equal(0.75, w[1, 2], 6); // from dog = mean(1, 0.5)
        Assert.Equal(0.5, w[2, 1], 6); // to dog = 0.25 + 0.25
    }

    [Fact]
    public void Should_match_relation_subtypes_and_reject_unknown_relations()
    {
        Assert.True(DependencyRelations.Matches("nsubj", "nsubj:pass"));
        Assert.True(DependencyRelations.Matches("poss", "nmod:poss"));
        Assert.False(DependencyRelations.Matches("nsubj:pass", "nsubj"));
        Assert.False(DependencyRelations.Matches("obj", "iobj"));
        Assert.Throws<InputException>(() => DependencyRelations.Validate(new[] { "nsubj", "subject" }));
    }
}
