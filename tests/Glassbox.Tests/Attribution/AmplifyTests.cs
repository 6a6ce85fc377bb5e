using Glassbox.Attribution;
using Glassbox.Classification;
using Glassbox.Llm;
using Glassbox.Tests.Neurons.Explanations;

namespace Glassbox.Tests.Attribution;

/// <summary>AMPLIFY: shot selection by misclassification confidence, rationales, prompts, lenient label parsing, and
/// the evaluation harness with scripted chat clients (no network).</summary>
public sealed class AmplifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-amplify-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static LabeledTextSet Data(int count, int seed) =>
        new(
            "tiny sentiment",
            ["negative", "positive"],
            TinyClassifiers
                .Sentences(count, seed)
                .Select(r => new LabeledText(r.Text, r.Label == "positive" ? 1 : 0))
                .ToList()
        );

    [Fact]
    public void Should_pick_the_most_confidently_misclassified_examples_of_each_class_with_rationales()
    {
        using var proxy = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 4);
        var pool = Data(20, 1);
        var shots = AmplifyPrompts.SelectShots(proxy, pool, new AmplifyOptions { Shots = 4, RationaleWords = 3 });
        Assert.Equal(4, shots.Count);
        Assert.Equal(2, shots.Count(s => s.Label == "positive"));
        var p = proxy.Probabilities(pool.Rows.Select(r => r.Text).ToList(), 64);
        double Mcs(int i) => p[i][1 - pool.Rows[i].Label] - p[i][pool.Rows[i].Label];
        foreach (int c in new[] { 0, 1 })
        {
            var expected = Enumerable
                .Range(0, pool.Rows.Count)
                .Where(i => pool.Rows[i].Label == c)
                .OrderByDescending(Mcs)
                .Take(2)
                .Select(i => Mcs(i))
                .ToList();
            var got = shots.Where(s => s.Label == pool.Labels[c]).Select(s => s.Mcs).OrderByDescending(x => x).ToList();
            for (int k = 0; k < 2; k++)
                Assert.Equal(expected[k], got[k], 5);
        }
        foreach (var s in shots)
        {
            Assert.InRange(s.KeyWords.Count, 0, 3);
            Assert.All(s.KeyWords, w => Assert.Contains(w, s.Text, StringComparison.OrdinalIgnoreCase));
            Assert.Contains($"'{s.Label}'", s.Rationale, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_build_prompts_with_and_without_rationales()
    {
        var shots = new[]
        {
            new AmplifyShot("a dull film", "negative", 0.4, ["dull"], AmplifyPrompts.Rationale(["dull"], "negative")),
        };
        string with = AmplifyPrompts.Build(shots, "a fun film", ["negative", "positive"], true);
        string plain = AmplifyPrompts.Build(shots, "a fun film", ["negative", "positive"], false);
        Assert.Contains(
            "Rationale: The key words \"dull\" are important clues to predict 'negative' as the correct answer.",
            with,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain("Rationale:", plain, StringComparison.Ordinal);
        Assert.EndsWith("Input: a fun film\n", with, StringComparison.Ordinal);
        Assert.StartsWith("Classify each input as one of: negative, positive.", plain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Rationale: the word fun.\nLabel: positive", "positive")]
    [InlineData("label = NEGATIVE", "negative")]
    [InlineData("**Label:** positive", "positive")]
    [InlineData("I think this one is positive.", "positive")]
    [InlineData("Label: neutral. Overall it reads as negative", "negative")]
    [InlineData("positive or negative, hard to say", null)]
    [InlineData("", null)]
    public void Should_read_labels_leniently(string reply, string? expected) =>
        Assert.Equal(expected, AmplifyPrompts.ParseLabel(reply, ["negative", "positive"]));

    /// <summary>A client that answers correctly when the prompt carries rationales, says "negative" otherwise, and
    /// replies with nothing readable to inputs mentioning "plot".</summary>
    private static ScriptedChatClient Client(LabeledTextSet tasks) =>
        new(
            (messages, _) =>
            {
                string user = messages[^1].Text;
                string input = user[(user.LastIndexOf("Input: ", StringComparison.Ordinal) + 7)..].Trim();
                if (input.Contains("plot", StringComparison.Ordinal))
                    return "hmm";
                var row = tasks.Rows.First(r => r.Text.Trim() == input);
                return user.Contains("Rationale:", StringComparison.Ordinal)
                    ? "Rationale: obvious.\nLabel: " + tasks.Labels[row.Label]
                    : "Label: negative";
            }
        );

    [Fact]
    public async Task Should_score_both_variants_count_unreadable_replies_and_resume_from_the_cache()
    {
        var tasks = Data(16, 5);
        var shots = new[] { new AmplifyShot("it was fun", "positive", 0.2, ["fun"], "r") };
        var options = new ChatOptionsRecord(TimeSpan.FromSeconds(5), CacheDirectory: Path.Combine(_dir, "cache"));
        var client = Client(tasks);
        using var chat = new RobustChat(client, options);
        var r = await AmplifyEvaluation.RunAsync(chat, shots, tasks, new AmplifyOptions { Resamples = 200 });
        var readable = tasks.Rows.Where(x => !x.Text.Contains("plot", StringComparison.Ordinal)).ToList();
        Assert.Equal((double)readable.Count / 16, r.WithRationales.Value, 9);
        Assert.Equal((double)readable.Count(x => x.Label == 0) / 16, r.WithoutRationales.Value, 9);
        Assert.Equal(r.WithRationales.Value - r.WithoutRationales.Value, r.Difference.Value, 9);
        Assert.Equal(16 - readable.Count, r.Unreadable["rationales"]);
        Assert.Equal(32, r.Calls + r.CacheHits); // repeated inputs are answered from the cache
        Assert.Equal(32, r.Answers.Count);
        using var again = new RobustChat(Client(tasks), options);
        var resumed = await AmplifyEvaluation.RunAsync(again, shots, tasks, new AmplifyOptions { Resamples = 200 });
        Assert.Equal(0, resumed.Calls);
        Assert.Equal(32, resumed.CacheHits);
        Assert.Equal(r.WithRationales.Value, resumed.WithRationales.Value);
    }

    [Fact]
    public async Task Should_report_an_unreachable_llm_and_refuse_bad_input()
    {
        var tasks = Data(4, 1);
        var shots = new[] { new AmplifyShot("it was fun", "positive", 0.2, ["fun"], "r") };
        var failing = new ScriptedChatClient((_, _) => throw new HttpRequestException("connection refused"));
        using var chat = new RobustChat(failing, new ChatOptionsRecord(TimeSpan.FromSeconds(5), MaxRetries: 0));
        await Assert.ThrowsAsync<LlmUnavailableException>(() =>
            AmplifyEvaluation.RunAsync(chat, shots, tasks, new AmplifyOptions())
        );
        Assert.Throws<InputException>(() => AmplifyEvaluation.Prompts([], tasks));
        using var proxy = TinyClassifiers.Create();
        Assert.Throws<InputException>(() =>
            AmplifyPrompts.SelectShots(proxy, Data(4, 1), new AmplifyOptions { Shots = 0 })
        );
        var foreign = new LabeledTextSet("x", ["a", "b"], [new LabeledText("fun", 0)]);
        Assert.Throws<InputException>(() => AmplifyPrompts.SelectShots(proxy, foreign, new AmplifyOptions()));
    }
}
