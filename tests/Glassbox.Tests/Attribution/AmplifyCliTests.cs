using System.Text.Json;
using Glassbox.Tests.Llm;

namespace Glassbox.Tests.Attribution;

/// <summary><c>glassbox amplify</c> as a person runs it: offline it writes the prompts and says how to run them; with
/// an unreachable LLM it stops with one line; bad options get one line.</summary>
[Collection("console")]
public sealed class AmplifyCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-amplify-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string[] Args(params string[] extra)
    {
        string data = TinyClassifiers.WriteTsv(Path.Combine(_dir, "data [x].tsv"), 16);
        return new[]
        {
            "amplify",
            "-m",
            TinyClassifiers.WriteClassifier(Path.Combine(_dir, "[clf]")),
            "--pool",
            data,
            "--tasks",
            data,
            "--max-tasks",
            "6",
            "--shots",
            "4",
            "--steps",
            "4",
            "--threads",
            "1",
            "--prompts",
            Path.Combine(_dir, "prompts.jsonl"),
        }
            .Concat(extra)
            .ToArray();
    }

    [Fact]
    public void Should_write_the_prompts_offline_in_human_mode_and_as_json()
    {
        var report = Path.Combine(_dir, "amplify.html");
        var (code, output, err) = CliHarness.Run(Args("--report", report));
        Assert.True(code == 0, err);
        Assert.Contains("No LLM configured", output, StringComparison.Ordinal);
        Assert.Contains("key words (proxy", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.Contains("--llm chat", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(_dir, "prompts.jsonl"));
        Assert.Equal(12, lines.Length); // 6 inputs × (with, without rationales)
        using (var first = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal("rationales", first.RootElement.GetProperty("variant").GetString());
            Assert.Contains("Rationale:", first.RootElement.GetProperty("user").GetString(), StringComparison.Ordinal);
        }
        (code, output, err) = CliHarness.Run(Args("--json"));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(4, doc.RootElement.GetProperty("result").GetProperty("shots").GetArrayLength());
        Assert.Equal(12, doc.RootElement.GetProperty("result").GetProperty("prompts").GetInt32());
    }

    [Fact]
    public async Task Should_evaluate_both_variants_through_an_openai_compatible_endpoint()
    {
        // The stub answers "positive" when the prompt carries rationales and "negative" otherwise, so the two
        // accuracies are the positive and the negative shares of the task inputs.
        await using var stub = new OpenAiStub(
            (_, user) =>
                user.Contains("Rationale:", StringComparison.Ordinal)
                    ? "Rationale: r\nLabel: positive"
                    : "Label: negative"
        );
        var (code, output, err) = CliHarness.Run(
            Args(
                "--llm",
                "chat",
                "--llm-settings",
                stub.Settings(_dir),
                "--llm-cache",
                Path.Combine(_dir, "cache"),
                "--report",
                Path.Combine(_dir, "chat.html"),
                "--json"
            )
        );
        Assert.True(code == 0, err);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(_dir, "chat.html")), StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement.GetProperty("result");
        double with = r.GetProperty("withRationales").GetProperty("value").GetDouble();
        double without = r.GetProperty("withoutRationales").GetProperty("value").GetDouble();
        Assert.Equal(1.0, with + without, 9); // every input is either positive or negative
        Assert.Equal(with - without, r.GetProperty("difference").GetProperty("value").GetDouble(), 9);
        Assert.Equal(12, r.GetProperty("answers").GetArrayLength());
        Assert.NotEmpty(stub.Paths);
        Assert.All(stub.Paths, p => Assert.Equal("/v1/chat/completions", p));
    }

    [Fact]
    public void Should_stop_with_one_line_when_the_llm_is_unreachable()
    {
        var settings = Path.Combine(_dir, "llm.json");
        File.WriteAllText(
            settings,
            "{\"endpoint\": \"http://127.0.0.1:9/v1\", \"model\": \"m\", \"maxRetries\": 0, \"timeoutSeconds\": 10}"
        );
        var (code, _, err) = CliHarness.Run(
            Args("--llm", "chat", "--llm-settings", settings, "--llm-cache", Path.Combine(_dir, "cache"))
        );
        Assert.Equal(2, code);
        var lines = err.Trim().Split('\n');
        Assert.StartsWith("error: LLM endpoint http://127.0.0.1:9/v1", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadInput =>
        new()
        {
            { new[] { "--llm", "gpt" }, "--llm" },
            { new[] { "--shots", "0" }, "--shots" },
            { new[] { "--words", "0" }, "--words" },
            { new[] { "--max-pool", "0" }, "--max-pool" },
            { new[] { "--llm", "chat", "--llm-settings", "/nonexistent/llm.json" }, "--llm-settings" },
        };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Should_refuse_bad_options_with_one_line(string[] extra, string names)
    {
        var (code, _, err) = CliHarness.Run(Args(extra));
        Assert.Equal(2, code);
        Assert.Contains(names, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }
}
