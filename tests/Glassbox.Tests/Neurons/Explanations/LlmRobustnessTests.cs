using Glassbox.Llm;
using Glassbox.Neurons.Explanations;

namespace Glassbox.Tests.Neurons.Explanations;

/// <summary>The robust LLM client, the lenient reply parsers and the settings, with scripted clients (no network).</summary>
public sealed class LlmRobustnessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-llm-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Should_retry_a_failing_client_then_report_it_unavailable()
    {
        var waits = new List<TimeSpan>();
        var client = new ScriptedChatClient((_, _) => throw new HttpRequestException("connection refused"));
        using var chat = new RobustChat(
            client,
            new ChatOptionsRecord(TimeSpan.FromSeconds(5), MaxRetries: 3, BaseDelay: TimeSpan.FromMilliseconds(10)),
            (d, _) =>
            {
                waits.Add(d);
                return Task.CompletedTask;
            }
        );
        var e = await Assert.ThrowsAsync<LlmUnavailableException>(() => chat.CompleteAsync("s", "u"));
        Assert.Contains("4 tries", e.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, client.Calls);
        Assert.Equal(new ChatCounters(4, 3, 0, 0, 1), chat.Counters);
        Assert.Equal(new[] { 10.0, 20.0, 40.0 }, waits.Select(w => w.TotalMilliseconds)); // exponential back-off
    }

    [Fact]
    public async Task Should_stop_a_parallel_run_with_the_llm_failure_not_a_cancellation()
    {
        using var m = NeuronsTestData.Model();
        var set = NeuronsTestData.Excerpts(m);
        var client = new ScriptedChatClient((_, _) => throw new HttpRequestException("connection refused"));
        using var chat = new RobustChat(
            client,
            new ChatOptionsRecord(TimeSpan.FromSeconds(5), MaxRetries: 2),
            ExplainScoreTests.NoWait
        );
        await Assert.ThrowsAsync<LlmUnavailableException>(() =>
            ExplainScorePipeline.RunAsync(
                set,
                [NeuronsTestData.Embed(0), NeuronsTestData.Embed(1), NeuronsTestData.Embed(2)],
                new ChatExplainer(chat),
                new ChatSimulator(chat),
                new ScoreOptions(Parallelism: 3)
            )
        );
        Assert.True(chat.Counters.Failures >= 1);
    }

    [Fact]
    public async Task Should_succeed_when_a_retry_succeeds()
    {
        var client = new ScriptedChatClient((_, n) => n < 3 ? throw new HttpRequestException("busy") : "ok");
        using var chat = new RobustChat(
            client,
            new ChatOptionsRecord(TimeSpan.FromSeconds(5)),
            ExplainScoreTests.NoWait
        );
        Assert.Equal("ok", await chat.CompleteAsync("s", "u"));
        Assert.Equal(2, chat.Counters.Retries);
    }

    [Fact]
    public async Task Should_treat_a_call_past_its_timeout_as_a_failure()
    {
        var client = new ScriptedChatClient((_, _) => "never");
        var slow = new SlowClient();
        using var chat = new RobustChat(
            slow,
            new ChatOptionsRecord(TimeSpan.FromMilliseconds(50), MaxRetries: 1),
            ExplainScoreTests.NoWait
        );
        var e = await Assert.ThrowsAsync<LlmUnavailableException>(() => chat.CompleteAsync("s", "u"));
        Assert.Contains("no reply within", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.Calls);
    }

    private sealed class SlowClient : Microsoft.Extensions.AI.IChatClient
    {
        public async Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(
            IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages,
            Microsoft.Extensions.AI.ChatOptions? options = null,
            CancellationToken cancellationToken = default
        )
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages,
            Microsoft.Extensions.AI.ChatOptions? options = null,
            CancellationToken cancellationToken = default
        ) => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    [Fact]
    public async Task Should_answer_a_repeated_prompt_from_the_disk_cache_without_a_call()
    {
        var client = new ScriptedChatClient(
            (_, n) => "reply " + n.ToString(System.Globalization.CultureInfo.InvariantCulture)
        );
        var options = new ChatOptionsRecord(TimeSpan.FromSeconds(5), CacheDirectory: _dir, Model: "m");
        using (var chat = new RobustChat(client, options))
            Assert.Equal("reply 1", await chat.CompleteAsync("s", "u"));
        using var again = new RobustChat(client, options);
        Assert.Equal("reply 1", await again.CompleteAsync("s", "u"));
        Assert.Equal(1, client.Calls);
        Assert.Equal(1, again.Counters.CacheHits);
        Assert.Equal("reply 2", await again.CompleteAsync("s", "another prompt"));
        Assert.Single(Directory.GetFiles(_dir, "*.json"), f =>
            f.Contains(RobustChat.Hash("m\0s\0u"), StringComparison.Ordinal)
        );
        File.WriteAllText(Directory.GetFiles(_dir, "*.json")[0], "{ damaged");
        Assert.StartsWith("reply", await again.CompleteAsync("s", "u"), StringComparison.Ordinal); // a damaged entry is a miss
    }

    [Theory]
    [InlineData("{\"activations\": [0, 10, 3]}", false, new[] { 0.0, 10, 3 })]
    [InlineData("0\t'a'\t1\n1\t'b'\t7\n2\t'c'\t0", false, new[] { 1.0, 7, 0 })]
    [InlineData("Sure! 4, 12, -3", false, new[] { 4.0, 10, 0 })]
    [InlineData("[5, 5]", true, new[] { 5.0, 5, 0 })]
    [InlineData("I cannot tell.", true, new[] { 0.0, 0, 0 })]
    public void Should_read_simulator_replies_leniently(string reply, bool malformed, double[] expected)
    {
        var s = SimulationReply.Parse(reply, 3);
        Assert.Equal(malformed, s.Malformed);
        Assert.Equal(expected, s.Predicted);
    }

    [Fact]
    public void Should_round_trip_explanations_with_quotes_and_escapes()
    {
        string e = ExplanationFormat.Format([" dog", "it's", "a\\b"], ["once upon", "\n"]);
        var items = ExplanationFormat.Parse(e);
        Assert.Equal(new[] { " dog", "it's", "a\\b" }, items.Tokens);
        Assert.Equal(new[] { "once upon", "\n" }, items.Ngrams);
        Assert.True(ExplanationFormat.Parse("fires on tokens: (none)").IsEmpty);
        Assert.Equal(new[] { "x" }, ExplanationFormat.Parse("the word 'x' and 'unclosed").Tokens);
    }

    [Fact]
    public void Should_simulate_rules_by_rank_and_ngram()
    {
        var items = ExplanationFormat.Parse(ExplanationFormat.Format([" dog", " cat"], [" the end"]));
        var p = RuleSimulator.Simulate(items, [" the", " dog", " CAT ", " the", " end"]);
        Assert.Equal(new[] { 0.0, 10, 2.5, 0, 10 }, p);
    }

    [Fact]
    public void Should_refuse_a_settings_file_with_a_key_and_need_an_endpoint()
    {
        var f = Path.Combine(_dir, "llm.json");
        File.WriteAllText(f, "{\"endpoint\": \"http://localhost:11434/v1\", \"model\": \"m\", \"apiKey\": \"sk-x\"}");
        Assert.Contains(
            "API key",
            Assert.Throws<InputException>(() => LlmSettings.Load(f, _ => null)).Message,
            StringComparison.Ordinal
        );
        File.WriteAllText(f, "{\"model\": \"m\", \"apiKeyVariable\": \"MY_KEY\"}");
        Assert.Throws<InputException>(() => LlmSettings.Load(f, _ => null));
        var s = LlmSettings.Load(f, v => v switch
            {
                "GLASSBOX_LLM_ENDPOINT" => "http://h:1/v1",
                "MY_KEY" => "s3cr3t",
                _ => null,
            });
        Assert.Equal(("http://h:1/v1", "m", "s3cr3t"), (s.Endpoint, s.Model, s.ApiKey));
        Assert.DoesNotContain("s3cr3t", s.ToString(), StringComparison.Ordinal);
        File.WriteAllText(f, "not json");
        Assert.Throws<InputException>(() => LlmSettings.Load(f, _ => null));
    }
}
