using System.Text.Json;
using System.Text.RegularExpressions;
using Glassbox.Hooks;
using Glassbox.Tests.Cli;
using Glassbox.Tests.Llm;

namespace Glassbox.Tests.Neurons.Explanations;

/// <summary>
/// <c>neurons explain --llm chat</c> against a real OpenAI-compatible HTTP endpoint on the loopback interface: a small
/// server that answers <c>/v1/chat/completions</c> as such servers do (the explainer gets "the word dog", the simulator
/// gets 10 on tokens containing "dog"), so the whole path (settings, the OpenAI client, HTTP, JSON, the lenient reply
/// parsers, scoring) runs as it would against Ollama or vLLM.
/// </summary>
[Collection("console")]
public sealed partial class LlmEndpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-llm-endpoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [GeneratedRegex(@"^(\d+)\t(.*)$", RegexOptions.Multiline)]
    private static partial Regex TokenLine();

    /// <summary>The reply a capable model would give to one request.</summary>
    private static string Answer(string system, string user)
    {
        if (!system.Contains("predict its activation", StringComparison.Ordinal))
            return "the word dog";
        var values = TokenLine()
            .Matches(user)
            .Select(m => m.Groups[2].Value.Contains("dog", StringComparison.Ordinal) ? 10 : 0);
        return JsonSerializer.Serialize(new { activations = values });
    }

    [Fact]
    public async Task Should_explain_and_simulate_through_an_openai_compatible_http_endpoint()
    {
        await using var stub = new OpenAiStub(Answer);
        string settings = stub.Settings(_dir);
        var r = CliHarness.Run(
            "neurons",
            "explain",
            "-m",
            NeuronsTestData.Save(Path.Combine(_dir, "planted")),
            "--corpus",
            NeuronsTestData.CorpusFile(_dir),
            "--threads",
            "1",
            "--unit",
            HookPoints.Embed.Name() + ":0",
            "--llm",
            "chat",
            "--llm-settings",
            settings,
            "--llm-cache",
            Path.Combine(_dir, "cache"), // a fresh cache: every request must reach the server
            "--max-texts",
            "60",
            "--window",
            "8",
            "--top",
            "5",
            "--random-excerpts",
            "5",
            "--resamples",
            "50",
            "--json"
        );
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal("the word dog", result.GetProperty("explanation").GetString());
        Assert.True(result.GetProperty("score").GetProperty("value").GetDouble() > 0.9, r.Out);
        Assert.NotEmpty(stub.Paths);
        Assert.All(stub.Paths, p => Assert.Equal("/v1/chat/completions", p));
    }
}
