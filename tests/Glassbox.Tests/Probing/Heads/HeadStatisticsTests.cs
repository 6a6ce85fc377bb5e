using Glassbox.Probing.Heads;
using Glassbox.Views;

namespace Glassbox.Tests.Probing.Heads;

public sealed class HeadStatisticsTests
{
    private static SentenceAttention Sentence(int n, params int[] punct) =>
        SentenceAttention.FromMaps(
            new[]
            {
                new[]
                {
                    SyntheticAttention.Map(n, q => Math.Max(q - 1, 0)), // previous token (query 0 on itself)
                    SyntheticAttention.Map(n, _ => 0), // first token
                    SyntheticAttention.Map(n, q => q), // self
                    SyntheticAttention.Map(n, _ => -1), // uniform
                },
            },
            SyntheticAttention.Plain(n, punct)
        );

    [Fact]
    public void Should_give_previous_1_to_a_previous_token_head_and_first_1_to_a_first_token_head()
    {
        var r = HeadStatistics.Compute(new[] { Sentence(5, 2), Sentence(8) });
        Assert.Equal(1.0, r.ToPrevious[0][0], 5);
        Assert.Equal(0.0, r.ToNext[0][0], 5);
        Assert.Equal(1.0, r.ToFirst[0][1], 5);
        Assert.Equal(1.0, r.ToSelf[0][2], 5);
        Assert.Equal(0.0, r.ToPrevious[0][2], 5);
        Assert.Equal(13, r.Queries);
        Assert.Null(r.ToLast); // no input ends with a special token
    }

    [Fact]
    public void Should_give_the_entropy_in_nats_and_the_mass_on_punctuation()
    {
        var r = HeadStatistics.Compute(new[] { Sentence(5, 2), Sentence(8) });
        Assert.Equal((5 * Math.Log(5) + 8 * Math.Log(8)) / 13, r.Entropy[0][3], 4);
        Assert.Equal(0.0, r.Entropy[0][0], 5);
        Assert.Equal(5 * 0.2 / 13, r.ToPunctuation[0][3], 4); // uniform head: 1/5 on the one punctuation token
        Assert.Equal(1.0 / 13, r.ToPunctuation[0][0], 4); // previous-token head: only query 3 looks at token 2
    }

    [Fact]
    public void Should_measure_attention_to_the_final_special_token_when_inputs_end_with_one()
    {
        var (_, roles) = SyntheticAttention.DogSentence();
        var s = SentenceAttention.FromMaps(new[] { new[] { SyntheticAttention.Map(9, _ => 8) } }, roles);
        var r = HeadStatistics.Compute(new[] { s });
        Assert.NotNull(r.ToLast);
        Assert.Equal(1.0, r.ToLast![0][0], 5);
        Assert.Equal(0.0, r.ToFirst[0][0], 5);
    }

    [Fact]
    public void Should_reject_an_empty_set()
    {
        Assert.Throws<InputException>(() => HeadStatistics.Compute(Array.Empty<SentenceAttention>()));
    }
}
