using System.Net;
using System.Text.Json;
using Glassbox.Tests.Cli;
using static Glassbox.Tests.Explorer.ExplorerTestHost;

namespace Glassbox.Tests.Explorer;

/// <summary>The explorer's JSON API on a tiny model: every endpoint answers with the result envelope of <c>--json</c>,
/// bad input is a one-line 400, and jobs stream progress and can be cancelled.</summary>
public sealed class ExplorerApiTests
{
    private static void Envelope(JsonElement root, string command)
    {
        Assert.True(EnvelopeSchema.Errors(root) is [], string.Join("\n", EnvelopeSchema.Errors(root)));
        Assert.Equal(command, root.GetProperty("command").GetString());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task Should_answer_every_endpoint_with_the_result_envelope()
    {
        await using var host = await StartAsync();
        const string text = "the cat sat on the mat";
        var model = await JsonAsync(await host.Client.GetAsync("/api/model"));
        Envelope(model, "info");
        Assert.Contains(model.GetProperty("result").GetProperty("hooks").EnumerateArray(), h =>
            h.GetProperty("shape").GetString()!.Length > 0
        );

        var run = await JsonAsync(await host.PostAsync("/api/predict", new { text, topK = 3 }));
        Envelope(run, "run");
        var tokens = run.GetProperty("result").GetProperty("tokens");
        Assert.Equal(text.Length, tokens.GetArrayLength()); // byte-level tokenizer: one token per character
        Assert.Equal("·", tokens[3].GetProperty("label").GetString()); // a space, shown as ·
        Assert.Equal("c", tokens[4].GetProperty("text").GetString());
        var next = run.GetProperty("result").GetProperty("next");
        Assert.Equal(tokens.GetArrayLength(), next.GetArrayLength());
        Assert.All(next.EnumerateArray(), p => Assert.Equal(3, p.GetArrayLength()));
        Assert.InRange(next[0].EnumerateArray().Sum(p => p.GetProperty("prob").GetDouble()), 0.0, 1.0 + 1e-6);

        var lens = await JsonAsync(await host.PostAsync("/api/lens", new { text, topK = 2 }));
        Envelope(lens, "lens");
        Assert.Equal(3, lens.GetProperty("result").GetProperty("layers").GetArrayLength()); // embeddings + 2 blocks
        Assert.True(lens.GetProperty("result").GetProperty("lastLayerMaxAbsDiff").GetDouble() < 1e-3);

        var attr = await JsonAsync(await host.PostAsync("/api/attribute", new { text, steps = 16 }));
        Envelope(attr, "attribute");
        var a = attr.GetProperty("result").GetProperty("attribution");
        var scores = a.GetProperty("scores").EnumerateArray().Select(x => x.GetDouble()).ToList();
        Assert.Equal(text.Length, scores.Count);
        double gap = a.GetProperty("output").GetDouble() - a.GetProperty("baselineOutput").GetDouble();
        Assert.True(
            Math.Abs(scores.Sum() - gap) <= 0.05 * Math.Abs(gap) + 1e-3,
            FormattableString.Invariant($"completeness: {scores.Sum()} vs {gap}")
        );

        var patch = await JsonAsync(
            await host.PostAsync(
                "/api/patch",
                new
                {
                    clean = "the cat sat",
                    corrupted = "the dog sat",
                    hook = "resid_post",
                }
            )
        );
        Envelope(patch, "patch");
        var effects = patch.GetProperty("result").GetProperty("effects");
        Assert.Equal(2, effects.GetArrayLength()); // two blocks
        Assert.Equal(11, effects[0].GetArrayLength()); // one column per position
        Assert.Equal(1.0, effects[1][10].GetDouble(), 3); // the last residual at the last position is the output

        var search = await JsonAsync(await host.Client.GetAsync("/api/neurons/search?q=DOG"));
        Envelope(search, "neurons search");
        var found = search.GetProperty("result").GetProperty("results");
        Assert.Equal(2, found.GetArrayLength()); // case-insensitive; the non-record JSON file is skipped
        Assert.Equal("0.3", found[0].GetProperty("unit").GetString()); // best score first
        Assert.Equal(1, search.GetProperty("result").GetProperty("resultFiles").GetInt32());

        var trace = await JsonAsync(
            await host.PostAsync(
                "/api/trace",
                new
                {
                    text = "the cat sat",
                    subject = "cat",
                    samples = 2,
                }
            )
        );
        Envelope(trace, "trace");
        var ie = trace.GetProperty("result").GetProperty("indirectEffect");
        Assert.Equal(2, ie.GetArrayLength()); // layers
        Assert.Equal(11, ie[0].GetArrayLength()); // positions
        var tr = trace.GetProperty("result").GetProperty("trace");
        Assert.Equal(4, tr.GetProperty("subjectStart").GetInt32());
        // Restoring the last layer's state at the last position gives the clean run back.
        Assert.Equal(
            tr.GetProperty("pClean").GetDouble() - tr.GetProperty("pCorrupted").GetDouble(),
            ie[1][10].GetDouble(),
            3
        );

        var att = await JsonAsync(await host.PostAsync("/api/attention", new { text }));
        Envelope(att, "attention");
        var head = att.GetProperty("result").GetProperty("patterns")[1][0];
        Assert.Equal(text.Length, head.GetArrayLength());
        foreach (var row in head.EnumerateArray())
            Assert.InRange(row.EnumerateArray().Sum(v => v.GetDouble()), 0.99, 1.01);
        Assert.Equal(0.0, head[0][1].GetDouble()); // causal: the first token sees nothing after it

        var heads = await JsonAsync(await host.PostAsync("/api/heads", new { sequences = 2 }));
        Envelope(heads, "heads");
        Assert.Equal(2 * 4, heads.GetProperty("result").GetProperty("heads").GetArrayLength());
        Assert.True(heads.GetProperty("result").GetProperty("uniformBaseline").TryGetProperty("induction", out _));

        var stores = await JsonAsync(await host.Client.GetAsync("/api/neurons/stores"));
        Envelope(stores, "neurons stores");
        Assert.Equal("tiny.duckdb", stores.GetProperty("result").GetProperty("stores")[0].GetString());
        var top = await JsonAsync(await host.Client.GetAsync("/api/neurons/top?store=tiny.duckdb&unit=1.5&k=2"));
        Envelope(top, "neurons top");
        Assert.Equal(2, top.GetProperty("result").GetProperty("top").GetArrayLength());

        var job = await JsonAsync(await host.PostAsync("/api/probe/jobs", new { sentences = 40 }));
        Envelope(job, "job");
        string id = job.GetProperty("result").GetProperty("id").GetString()!;
        var done = await host.WaitForJobAsync(id);
        Assert.True(done.GetProperty("state").GetString() == "done", done.ToString());
        Assert.NotEmpty(done.GetProperty("progress").EnumerateArray());
        var probe = await JsonAsync(await host.Client.GetAsync("/api/jobs/" + id + "/result"));
        Envelope(probe, "probe pos");
        Assert.Equal(3, probe.GetProperty("result").GetProperty("probe").GetProperty("layers").GetArrayLength());
        Assert.Contains(
            "<svg",
            probe.GetProperty("result").GetProperty("chartSvg").GetString(),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public async Task Should_score_heads_as_a_job_like_the_direct_endpoint()
    {
        await using var host = await StartAsync();
        var job = await JsonAsync(await host.PostAsync("/api/heads/jobs", new { sequences = 2 }));
        Envelope(job, "job");
        string id = job.GetProperty("result").GetProperty("id").GetString()!;
        var done = await host.WaitForJobAsync(id);
        Assert.True(done.GetProperty("state").GetString() == "done", done.ToString());
        Assert.Contains(done.GetProperty("progress").EnumerateArray(), p =>
            p.GetString()!.StartsWith("scoring 8 heads", StringComparison.Ordinal)
        );
        var viaJob = await JsonAsync(await host.Client.GetAsync("/api/jobs/" + id + "/result"));
        Envelope(viaJob, "heads");
        var direct = await JsonAsync(await host.PostAsync("/api/heads", new { sequences = 2 }));
        Assert.True(
            System.Text.Json.Nodes.JsonNode.DeepEquals(
                System.Text.Json.Nodes.JsonNode.Parse(direct.GetProperty("result").GetProperty("heads").GetRawText()),
                System.Text.Json.Nodes.JsonNode.Parse(viaJob.GetProperty("result").GetProperty("heads").GetRawText())
            )
        );
        await JsonAsync(await host.PostAsync("/api/heads/jobs", new { sequences = 0 }), 400);
    }

    [Fact]
    public async Task Should_answer_bad_input_with_a_one_line_error()
    {
        await using var host = await StartAsync();
        foreach (
            var (path, body) in new (string, object)[]
            {
                ("/api/predict", new { text = "" }),
                ("/api/lens", new { text = "x", topK = 0 }),
                ("/api/attention", new { text = new string('a', 500) }), // longer than the context of 96
                ("/api/heads", new { sequences = 0 }),
                ("/api/attribute", new { text = "x", method = "lime" }),
                ("/api/patch", new { clean = "the cat", corrupted = "a dog" }),
                ("/api/trace", new { text = "the cat", subject = "dog" }),
                (
                    "/api/trace",
                    new
                    {
                        text = "the cat",
                        subject = "cat",
                        kind = "heads",
                    }
                ),
                (
                    "/api/patch",
                    new
                    {
                        clean = "ab",
                        corrupted = "cd",
                        hook = "nowhere",
                    }
                ),
                ("/api/attribute", new { text = "x", steps = 1 }),
                ("/api/probe/jobs", new { sentences = 5 }),
            }
        )
        {
            var e = await JsonAsync(await host.PostAsync(path, body), 400);
            string message = e.GetProperty("error").GetString()!;
            Assert.DoesNotContain('\n', message);
            Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        }
        var unit = await JsonAsync(await host.Client.GetAsync("/api/neurons/top?store=tiny.duckdb&unit=9.9"), 400);
        Assert.Contains("unit", unit.GetProperty("error").GetString()!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/api/jobs/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/static/..%2Fsite.css")).StatusCode);
    }

    [Fact]
    public async Task Should_cancel_a_queued_job_and_a_running_one()
    {
        await using var host = await StartAsync();
        // Hold the model so the job stays queued, deterministically.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var busy = host.Server.Context.Host.RunAsync(
            _ =>
            {
                entered.Set();
                release.Wait();
                return 0;
            },
            CancellationToken.None
        );
        entered.Wait();
        var queued = (await JsonAsync(await host.PostAsync("/api/probe/jobs", new { sentences = 40 }))).GetProperty(
            "result"
        );
        Assert.Equal("queued", queued.GetProperty("state").GetString());
        string id = queued.GetProperty("id").GetString()!;
        await JsonAsync(await host.PostAsync("/api/jobs/" + id + "/cancel", new { }));
        release.Set();
        await busy;
        Assert.Equal("cancelled", (await host.WaitForJobAsync(id)).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.GetAsync("/api/jobs/" + id + "/result")).StatusCode);

        // A running job stops at its next progress report. The job is held at its first report until the cancel
        // request is in, so a fast machine cannot finish it first.
        using var reported = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        host.Server.Context.Jobs.Reported += (_, _) =>
        {
            if (reported.IsSet)
                return;
            reported.Set();
            go.Wait(TimeSpan.FromMinutes(2));
        };
        var big = (await JsonAsync(await host.PostAsync("/api/probe/jobs", new { sentences = 2000 }))).GetProperty(
            "result"
        );
        string bigId = big.GetProperty("id").GetString()!;
        Assert.True(reported.Wait(TimeSpan.FromMinutes(2)), "the job never reported progress");
        await JsonAsync(await host.PostAsync("/api/jobs/" + bigId + "/cancel", new { }));
        go.Set();
        Assert.Equal("cancelled", (await host.WaitForJobAsync(bigId)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Should_stream_job_progress_as_server_sent_events()
    {
        await using var host = await StartAsync();
        var job = (await JsonAsync(await host.PostAsync("/api/probe/jobs", new { sentences = 40 }))).GetProperty(
            "result"
        );
        string id = job.GetProperty("id").GetString()!;
        using var res = await host.Client.GetAsync(
            "/api/jobs/" + id + "/events",
            HttpCompletionOption.ResponseHeadersRead
        );
        Assert.Equal("text/event-stream", res.Content.Headers.ContentType?.MediaType);
        string stream = await res.Content.ReadAsStringAsync(); // the server ends the stream after the "end" event
        Assert.Contains("event: progress\ndata: {\"line\":", stream, StringComparison.Ordinal);
        int end = stream.IndexOf("event: end\ndata: ", StringComparison.Ordinal);
        Assert.True(end > 0, stream);
        using var info = JsonDocument.Parse(stream[(end + "event: end\ndata: ".Length)..].Trim());
        Assert.Equal("done", info.RootElement.GetProperty("state").GetString());
    }
}
