using System.Text.Json;
using Glassbox.Tests.Cli;
using static Glassbox.Tests.Explorer.ExplorerTestHost;

namespace Glassbox.Tests.Explorer;

/// <summary><c>POST /api/tcav/jobs</c> on a tiny random classifier and a tiny language model: the job ends with the
/// <c>concepts tcav</c> envelope of the library's TCAV (scores inside their intervals, Holm ≥ raw p, significance
/// as Holm &lt; 0.05); bad requests are one-line 400s naming the field.</summary>
public sealed class ExplorerTcavTests
{
    /// <summary>Ten words of the tiny vocabulary: a typed concept.</summary>
    internal static readonly string[] Positive =
    [
        "good",
        "great",
        "fun",
        "funny",
        "best",
        "nice",
        "smart",
        "warm",
        "loved",
        "happy",
    ];

    /// <summary>Sentences to draw random sets from (no shared data in unit tests).</summary>
    internal static string[] Corpus => TinyClassifiers.Sentences(40).Select(r => r.Text).ToArray();

    internal static object Request(
        string target,
        object? layers = null,
        int randomRuns = 2,
        string[]? examples = null
    ) =>
        new
        {
            custom = new[] { new { name = "positive words", examples = examples ?? Positive } },
            target,
            inputs = new[] { "the film was good .", "this movie was very bad .", "the story was fun ." },
            layers = layers ?? new[] { 0, 1 },
            randomRuns,
            examples = 8,
            randomCorpus = Corpus,
        };

    private static async Task<JsonElement> RunJob(ExplorerTestHost host, object body)
    {
        var job = (await JsonAsync(await host.PostAsync("/api/tcav/jobs", body))).GetProperty("result");
        string id = job.GetProperty("id").GetString()!;
        var info = await host.WaitForJobAsync(id);
        Assert.True(info.GetProperty("state").GetString() == "done", info.ToString());
        Assert.Contains(info.GetProperty("progress").EnumerateArray(), l =>
            l.GetString()!.StartsWith("CAVs at ", StringComparison.Ordinal)
        );
        var env = await JsonAsync(await host.Client.GetAsync("/api/jobs/" + id + "/result"));
        Assert.True(EnvelopeSchema.Errors(env) is [], string.Join("\n", EnvelopeSchema.Errors(env)));
        Assert.Equal("concepts tcav", env.GetProperty("command").GetString());
        return env.GetProperty("result");
    }

    private static void CheckScores(JsonElement r, int expected)
    {
        var scores = r.GetProperty("tcav").GetProperty("scores").EnumerateArray().ToList();
        Assert.Equal(expected, scores.Count);
        foreach (var s in scores)
        {
            var score = s.GetProperty("score");
            double v = score.GetProperty("value").GetDouble();
            Assert.InRange(v, 0, 1);
            Assert.InRange(
                v,
                score.GetProperty("lower").GetDouble() - 1e-9,
                score.GetProperty("upper").GetDouble() + 1e-9
            );
            Assert.Equal(2, s.GetProperty("scores").GetArrayLength()); // one score per random run
            double p = s.GetProperty("p").GetDouble(),
                holm = s.GetProperty("pHolm").GetDouble();
            Assert.True(holm >= p - 1e-12, FormattableString.Invariant($"Holm {holm} < p {p}"));
            Assert.Equal(holm < 0.05, s.GetProperty("significant").GetBoolean());
        }
    }

    [Fact]
    public async Task Should_run_tcav_for_a_class_of_the_served_classifier_as_a_job()
    {
        await using var host = await StartClassifierAsync();
        var r = await RunJob(host, Request("positive"));
        CheckScores(r, 2); // one concept at two layers
        Assert.Equal([0, 1], r.GetProperty("layers").EnumerateArray().Select(l => l.GetInt32()));
        Assert.Equal("3 typed inputs", r.GetProperty("inputs").GetString());
        var first = r.GetProperty("tcav").GetProperty("scores")[0];
        Assert.Equal("logit of class 'positive'", first.GetProperty("target").GetString());
        Assert.Equal("positive words", first.GetProperty("concept").GetString());
        Assert.Equal("blocks.0.hook_resid_post", first.GetProperty("hook").GetString());
    }

    [Fact]
    public async Task Should_run_tcav_for_a_language_models_next_token()
    {
        await using var host = await StartAsync();
        var r = await RunJob(host, Request("a", new[] { 1 }));
        CheckScores(r, 1);
        Assert.Equal("logit('a')", r.GetProperty("tcav").GetProperty("scores")[0].GetProperty("target").GetString());
    }

    [Fact]
    public async Task Should_refuse_bad_tcav_requests_with_a_400_naming_the_field()
    {
        await using var clf = await StartClassifierAsync();
        await using var lm = await StartAsync();
        foreach (
            var (host, body, field) in new (ExplorerTestHost, object, string)[]
            {
                (
                    clf,
                    Request("positive", examples: Positive[..5]),
                    "custom: concept 'positive words' (typed on the page) has 5 examples; at least 10"
                ),
                (
                    clf,
                    Request("neutral"),
                    "target: the classifier has no class 'neutral'; its classes are negative, positive"
                ),
                (clf, Request("positive", randomRuns: 1), "randomRuns must be in 2..100"),
                (clf, Request("positive", new[] { 7 }), "layers must be in 0..1, got 7"),
                (
                    clf,
                    new
                    {
                        concepts = new[] { "food" },
                        target = "positive",
                        inputs = new[] { "good" },
                    },
                    "concepts: 'food' is not a built-in concept"
                ),
                (lm, Request("ab"), "target: 'ab' is 2 tokens"),
                (lm, Request(""), "target: type the next token"),
            }
        )
        {
            var e = await JsonAsync(await host.PostAsync("/api/tcav/jobs", body), 400);
            string message = e.GetProperty("error").GetString()!;
            Assert.StartsWith(field, message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', message);
        }
    }
}
