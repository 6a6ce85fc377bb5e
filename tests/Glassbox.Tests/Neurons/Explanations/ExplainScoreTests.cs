using System.Globalization;
using Glassbox.Llm;
using Glassbox.Neurons;
using Glassbox.Neurons.Explanations;

namespace Glassbox.Tests.Neurons.Explanations;

/// <summary>Explain, simulate, score end to end on the planted model (a unit that fires on exactly "dog").</summary>
public sealed class ExplainScoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-explain-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly ScoreOptions Fast = new(Baselines: 1, Resamples: 200, Seed: 1, Parallelism: 2);

    [Fact]
    public void Should_collect_split_excerpts_with_the_planted_activations()
    {
        using var m = NeuronsTestData.Model();
        var x = NeuronsTestData.Excerpts(m).Excerpts(NeuronsTestData.Embed(0));
        Assert.Equal(5, x.TrainTop.Count);
        Assert.Equal(5, x.HeldOutTop.Count);
        Assert.Equal(5, x.TrainRandom.Count);
        Assert.Equal(5, x.HeldOutRandom.Count);
        Assert.Equal(5f, x.TrainMax, 3);
        foreach (var e in x.TrainTop.Concat(x.HeldOutTop))
        {
            Assert.Equal(8, e.Tokens.Count);
            for (int i = 0; i < e.Tokens.Count; i++)
                Assert.Equal(e.Tokens[i] == "dog" ? 5f : 0f, e.Activations[i], 3);
        }
        Assert.DoesNotContain(x.TrainTop, e => e.Tokens.Contains("[CLS]")); // BOS is not part of any window
        Assert.Equal(ExcerptOrder(x), ExcerptOrder(NeuronsTestData.Excerpts(m).Excerpts(NeuronsTestData.Embed(0))));
    }

    private static string ExcerptOrder(UnitExcerpts x) =>
        string.Join(
            "|",
            x.HeldOut.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Document}:{e.Position}"))
        );

    [Fact]
    public async Task Should_score_the_planted_unit_high_and_above_its_shuffled_baseline_offline()
    {
        using var m = NeuronsTestData.Model();
        var set = NeuronsTestData.Excerpts(m);
        var units = new[] { NeuronsTestData.Embed(0), NeuronsTestData.Embed(1), NeuronsTestData.Embed(2) };
        var summary = await ExplainScorePipeline.RunAsync(
            set,
            units,
            new OfflineExplainer(),
            new RuleSimulator(),
            Fast
        );
        var dog = summary.Units[0];
        Assert.StartsWith("fires on tokens: 'dog'", dog.Explanation, StringComparison.Ordinal);
        Assert.True(dog.Score.Value > 0.95, dog.Score.ToString());
        Assert.NotNull(dog.Baseline);
        Assert.True(dog.Score.Lower > dog.Baseline!.Upper, $"{dog.Score} vs {dog.Baseline}");
        Assert.Contains("'cat'", summary.Units[1].Explanation, StringComparison.Ordinal);
        Assert.True(summary.Units[1].Score.Value > 0.95);
        Assert.Single(dog.BaselineFrom);
        Assert.NotEqual(dog.Unit, dog.BaselineFrom[0]);
        Assert.True(summary.MeanDifference!.Value > 0.3, summary.MeanDifference.ToString());
    }

    [Fact]
    public async Task Should_score_the_planted_unit_high_with_a_scripted_llm()
    {
        using var m = NeuronsTestData.Model();
        var set = NeuronsTestData.Excerpts(m);
        var client = new ScriptedChatClient(NeuronsTestData.Good);
        using var chat = new RobustChat(client, new ChatOptionsRecord(TimeSpan.FromSeconds(30)));
        var summary = await ExplainScorePipeline.RunAsync(
            set,
            [NeuronsTestData.Embed(0), NeuronsTestData.Embed(1)],
            new ChatExplainer(chat),
            new ChatSimulator(chat),
            Fast
        );
        Assert.Equal("the word 'dog'", summary.Units[0].Explanation);
        Assert.True(summary.Units[0].Score.Value > 0.95);
        Assert.True(summary.Units[0].Score.Value > summary.Units[0].Baseline!.Value + 0.5);
        Assert.Equal(0, chat.Counters.Malformed);
        Assert.Equal(2 + 2 * 2 * 10, client.Calls); // 2 explanations; per unit own + 1 baseline, 10 held-out excerpts each
    }

    [Fact]
    public async Task Should_count_malformed_simulator_replies_without_failing()
    {
        using var m = NeuronsTestData.Model();
        var set = NeuronsTestData.Excerpts(m);
        var client = new ScriptedChatClient(
            (msgs, n) =>
                msgs[0].Text == ChatSimulator.System && n % 3 == 0
                    ? (n % 2 == 0 ? "no idea" : "[1, 2]")
                    : NeuronsTestData.Good(msgs, n)
        );
        using var chat = new RobustChat(client, new ChatOptionsRecord(TimeSpan.FromSeconds(30)));
        var summary = await ExplainScorePipeline.RunAsync(
            set,
            [NeuronsTestData.Embed(0), NeuronsTestData.Embed(1)],
            new ChatExplainer(chat),
            new ChatSimulator(chat),
            Fast with
            {
                Parallelism = 1,
            }
        );
        Assert.True(chat.Counters.Malformed > 0);
        Assert.Equal(chat.Counters.Malformed, summary.Units.Sum(u => u.Malformed));
        Assert.All(summary.Units, u => Assert.True(double.IsFinite(u.Score.Value)));
    }

    [Fact]
    public async Task Should_resume_and_skip_units_already_in_the_results_file()
    {
        using var m = NeuronsTestData.Model();
        var set = NeuronsTestData.Excerpts(m);
        var units = new[] { NeuronsTestData.Embed(0), NeuronsTestData.Embed(1), NeuronsTestData.Embed(2) };
        string file = Path.Combine(_dir, "out", "scores.json");
        var calls = 0;
        var failing = new ScriptedChatClient(
            (msgs, n) => n == 1 ? NeuronsTestData.Good(msgs, n) : throw new HttpRequestException("connection refused")
        );
        using (
            var chat = new RobustChat(failing, new ChatOptionsRecord(TimeSpan.FromSeconds(5), MaxRetries: 1), NoWait)
        )
            await Assert.ThrowsAsync<LlmUnavailableException>(() =>
                ExplainScorePipeline.RunAsync(
                    set,
                    units,
                    new ChatExplainer(chat),
                    new ChatSimulator(chat),
                    Fast with
                    {
                        Parallelism = 1,
                    },
                    ScoreResultsFile.Open(file, "fp")
                )
            );
        Assert.NotNull(ScoreResultsFile.Open(file, "fp").Explanation(units[0].ToString())); // partial result kept

        var good = new ScriptedChatClient(
            (msgs, n) =>
            {
                if (msgs[0].Text == ChatExplainer.System)
                    Interlocked.Increment(ref calls);
                return NeuronsTestData.Good(msgs, n);
            }
        );
        using var chat2 = new RobustChat(good, new ChatOptionsRecord(TimeSpan.FromSeconds(5)));
        var first = await ExplainScorePipeline.RunAsync(
            set,
            units,
            new ChatExplainer(chat2),
            new ChatSimulator(chat2),
            Fast,
            ScoreResultsFile.Open(file, "fp")
        );
        Assert.Equal(2, calls); // the unit explained before the outage was not explained again
        int before = good.Calls;
        var again = await ExplainScorePipeline.RunAsync(
            set,
            units,
            new ChatExplainer(chat2),
            new ChatSimulator(chat2),
            Fast,
            ScoreResultsFile.Open(file, "fp")
        );
        Assert.Equal(before, good.Calls); // everything was done: no call at all
        Assert.Equal(first.Units.Select(u => u.Score.Value), again.Units.Select(u => u.Score.Value));
        Assert.Throws<InputException>(() => ScoreResultsFile.Open(file, "other options"));
    }

    internal static Task NoWait(TimeSpan _, CancellationToken __) => Task.CompletedTask;

    [Fact]
    public void Should_give_every_unit_other_units_as_baseline_donors()
    {
        var donors = ExplainScorePipeline.Donors(7, 2, 5);
        for (int i = 0; i < 7; i++)
        {
            Assert.Equal(2, donors[i].Length);
            Assert.DoesNotContain(i, donors[i]);
        }
        Assert.Empty(ExplainScorePipeline.Donors(1, 3, 0)[0]);
    }

    [Fact]
    public void Should_reject_sae_units_and_bad_excerpt_options_in_the_collector()
    {
        using var m = NeuronsTestData.Model();
        var sae = NeuronsTestData.Embed(0) with { Sae = true };
        Assert.Throws<InputException>(() => ExcerptCollector.Collect(m, ["the dog"], [sae]));
        var e = Assert.Throws<InputException>(() =>
            ExcerptCollector.Collect(m, ["the dog"], [NeuronsTestData.Embed(0)], new ExcerptOptions(Window: 2))
        );
        Assert.Contains("--window", e.Message, StringComparison.Ordinal);
        Assert.Throws<InputException>(() =>
            ExcerptCollector.Collect(m, Array.Empty<string>(), [NeuronsTestData.Embed(0)])
        );
    }
}
