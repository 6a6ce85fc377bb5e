using System.Text.Json;
using Glassbox.Classification;
using Glassbox.Tests.Cli;
using static Glassbox.Tests.Explorer.ExplorerTestHost;

namespace Glassbox.Tests.Explorer;

/// <summary>The XMD feedback endpoints on a tiny random classifier: a text's view, the update as a job on a copy
/// (the served classifier is unchanged, the copy is kept and compared, saved under <c>--out</c> when given), its
/// cancellation, and one-line 400s naming the field.</summary>
public sealed class ExplorerXmdTests
{
    internal const string Text = "the film was very good .";

    internal static object Request(int epochs = 2, object? feedback = null, string data = "feedback") =>
        new
        {
            feedback = feedback
                ?? new[]
                {
                    new
                    {
                        text = Text,
                        label = "positive",
                        shouldMatter = new[] { "good" },
                        shouldNotMatter = new[] { "film" },
                        scope = "local",
                    },
                },
            data,
            epochs,
            learningRate = 1e-3,
            steps = 4,
        };

    private static double[] Probabilities(JsonElement view) =>
        view.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();

    private static async Task<JsonElement> RunJob(ExplorerTestHost host, object body)
    {
        var job = (await JsonAsync(await host.PostAsync("/api/xmd/jobs", body))).GetProperty("result");
        var info = await host.WaitForJobAsync(job.GetProperty("id").GetString()!);
        Assert.True(info.GetProperty("state").GetString() == "done", info.ToString());
        var env = await JsonAsync(
            await host.Client.GetAsync("/api/jobs/" + info.GetProperty("id").GetString() + "/result")
        );
        Assert.True(EnvelopeSchema.Errors(env) is [], string.Join("\n", EnvelopeSchema.Errors(env)));
        Assert.Equal("xmd", env.GetProperty("command").GetString());
        return env.GetProperty("result");
    }

    [Fact]
    public async Task Should_update_a_copy_with_feedback_and_show_before_and_after()
    {
        await using var host = await StartClassifierAsync();
        var view = (await JsonAsync(await host.PostAsync("/api/xmd/view", new { text = Text, steps = 4 }))).GetProperty(
            "result"
        );
        Assert.Equal(
            ["the", "film", "was", "very", "good", "."],
            view.GetProperty("words").EnumerateArray().Select(w => w.GetProperty("word").GetString())
        );
        Assert.Equal(8, view.GetProperty("tokens").GetArrayLength()); // [CLS] + six words + [SEP]
        Assert.Equal(1.0, Probabilities(view).Sum(), 5);
        var served = Probabilities(view);

        var r = await RunJob(host, Request());
        Assert.Equal(2, r.GetProperty("xmd").GetProperty("steps").GetInt32()); // one text: one step per epoch
        Assert.False(r.TryGetProperty("savedTo", out _)); // no --out: memory only (nulls are left out)
        var t = Assert.Single(r.GetProperty("texts").EnumerateArray());
        Assert.Equal("positive", t.GetProperty("label").GetString());
        Assert.Equal("served", t.GetProperty("before").GetProperty("model").GetString());
        Assert.Equal("updated", t.GetProperty("after").GetProperty("model").GetString());
        Assert.Equal(served, Probabilities(t.GetProperty("before")), (a, b) => Math.Abs(a - b) < 1e-6);
        var after = Probabilities(t.GetProperty("after"));
        Assert.True(
            Math.Abs(after[1] - served[1]) > 1e-4,
            FormattableString.Invariant($"the update changed nothing: {served[1]} vs {after[1]}")
        );

        // The served classifier is unchanged; the comparison reads the kept copy.
        var again = (
            await JsonAsync(await host.PostAsync("/api/xmd/view", new { text = Text, steps = 4 }))
        ).GetProperty("result");
        Assert.Equal(served, Probabilities(again), (a, b) => Math.Abs(a - b) < 1e-6);
        var cmp = (
            await JsonAsync(
                await host.PostAsync(
                    "/api/xmd/compare",
                    new
                    {
                        text = Text,
                        label = "positive",
                        steps = 4,
                    }
                )
            )
        ).GetProperty("result");
        Assert.Equal(after, Probabilities(cmp.GetProperty("after")), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.NotNull(host.Server.Context.Host.Updated.Find(r.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task Should_save_the_updated_classifier_under_the_output_folder()
    {
        await using var host = await StartClassifierAsync(withOut: true);
        var r = await RunJob(host, Request(epochs: 1));
        string dir = r.GetProperty("savedTo").GetString()!;
        Assert.StartsWith(Path.Combine(host.Dir, "out") + Path.DirectorySeparatorChar, dir, StringComparison.Ordinal);
        Assert.True(ClassifierCheckpoint.IsClassifierDirectory(dir), dir);
        using var saved = ClassifierCheckpoint.Load(dir);
        var p = saved.Probabilities([Text])[0];
        var after = Probabilities(r.GetProperty("texts")[0].GetProperty("after"));
        Assert.Equal(after[1], p[1], 4);
    }

    [Fact]
    public async Task Should_cancel_a_running_xmd_update_and_keep_no_copy()
    {
        await using var host = await StartClassifierAsync();
        // Hold the job at its first training step until the cancel request is in, so a fast machine cannot finish
        // all 50 epochs first.
        using var stepped = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        host.Server.Context.Jobs.Reported += (_, line) =>
        {
            if (!line.StartsWith("step ", StringComparison.Ordinal) || stepped.IsSet)
                return;
            stepped.Set();
            release.Wait(TimeSpan.FromMinutes(2));
        };
        var job = (await JsonAsync(await host.PostAsync("/api/xmd/jobs", Request(epochs: 50)))).GetProperty("result");
        string id = job.GetProperty("id").GetString()!;
        Assert.True(stepped.Wait(TimeSpan.FromMinutes(2)), "the job never reported a step");
        await JsonAsync(await host.PostAsync("/api/jobs/" + id + "/cancel", new { }));
        release.Set();
        Assert.Equal("cancelled", (await host.WaitForJobAsync(id)).GetProperty("state").GetString());
        Assert.Null(host.Server.Context.Host.Updated.Latest);
        var e = await JsonAsync(await host.PostAsync("/api/xmd/compare", new { text = Text }), 400);
        Assert.StartsWith("id: no updated model yet", e.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_bad_xmd_requests_with_a_400_naming_the_field()
    {
        await using var clf = await StartClassifierAsync();
        await using var lm = await StartAsync();
        object One(string label, string[] bad, string scope = "local") =>
            Request(
                feedback: new[]
                {
                    new
                    {
                        text = Text,
                        label,
                        shouldNotMatter = bad,
                        scope,
                    },
                }
            );
        foreach (
            var (host, path, body, start) in new (ExplorerTestHost, string, object, string)[]
            {
                (lm, "/api/xmd/jobs", Request(), "XMD needs a sequence classifier"),
                (lm, "/api/xmd/view", new { text = Text }, "the XMD view needs a sequence classifier"),
                (
                    clf,
                    "/api/xmd/jobs",
                    One("neutral", ["film"]),
                    "feedback[0].label: the classifier has no class 'neutral'"
                ),
                (
                    clf,
                    "/api/xmd/jobs",
                    One("positive", ["cat"]),
                    "feedback[0].shouldNotMatter: 'cat' is not a word of the text"
                ),
                (clf, "/api/xmd/jobs", One("positive", []), "feedback[0]: mark at least one word"),
                (
                    clf,
                    "/api/xmd/jobs",
                    One("positive", ["film"], "everywhere"),
                    "feedback[0].scope: expected local or global"
                ),
                (clf, "/api/xmd/jobs", Request(epochs: 0), "epochs must be in 1..50"),
                (clf, "/api/xmd/jobs", Request(data: "imdb"), "data: expected feedback or sst2"),
                (clf, "/api/xmd/jobs", new { feedback = Array.Empty<object>() }, "feedback: mark at least one word"),
                (clf, "/api/xmd/view", new { text = " " }, "text: type a text"),
                (clf, "/api/xmd/compare", new { text = Text }, "id: no updated model yet"),
            }
        )
        {
            var e = await JsonAsync(await host.PostAsync(path, body), 400);
            string message = e.GetProperty("error").GetString()!;
            Assert.StartsWith(start, message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', message);
        }
    }
}
