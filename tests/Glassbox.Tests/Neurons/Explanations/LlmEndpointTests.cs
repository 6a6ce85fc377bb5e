using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Glassbox.Hooks;
using Glassbox.Tests.Cli;

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

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

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

    private static async Task Serve(HttpListener listener, List<string> paths, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await listener.GetContextAsync().WaitAsync(ct);
            }
            catch (Exception e)
                when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            using var request = JsonDocument.Parse(await body.ReadToEndAsync(ct));
            lock (paths)
                paths.Add(ctx.Request.Url!.AbsolutePath);
            var messages = request.RootElement.GetProperty("messages").EnumerateArray().ToList();
            string Text(string role) =>
                string.Concat(
                    messages
                        .Where(m => m.GetProperty("role").GetString() == role)
                        .Select(m =>
                            m.GetProperty("content") is { ValueKind: JsonValueKind.String } s
                                ? s.GetString()
                                : string.Concat(
                                    m.GetProperty("content")
                                        .EnumerateArray()
                                        .Select(p => p.GetProperty("text").GetString())
                                )
                        )
                );
            string reply = Answer(Text("system"), Text("user"));
            var completion = new
            {
                id = "chatcmpl-1",
                @object = "chat.completion",
                created = 1733390000,
                model = request.RootElement.GetProperty("model").GetString(),
                choices = new[]
                {
                    new
                    {
                        index = 0,
                        message = new { role = "assistant", content = reply },
                        finish_reason = "stop",
                    },
                },
                usage = new
                {
                    prompt_tokens = 10,
                    completion_tokens = 5,
                    total_tokens = 15,
                },
            };
            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(completion);
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength64 = bytes.Length;
            await ctx.Response.OutputStream.WriteAsync(bytes, ct);
            ctx.Response.Close();
        }
    }

    [Fact]
    public async Task Should_explain_and_simulate_through_an_openai_compatible_http_endpoint()
    {
        string port = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var stop = new CancellationTokenSource();
        var paths = new List<string>();
        var server = Task.Run(() => Serve(listener, paths, stop.Token));
        var settings = Path.Combine(_dir, "llm.json");
        File.WriteAllText(
            settings,
            $"{{\"endpoint\": \"http://127.0.0.1:{port}/v1\", \"model\": \"stub\", \"maxRetries\": 1, \"timeoutSeconds\": 30, \"concurrency\": 2}}"
        );
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
        await stop.CancelAsync();
        listener.Stop();
        await server;
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal("the word dog", result.GetProperty("explanation").GetString());
        Assert.True(result.GetProperty("score").GetProperty("value").GetDouble() > 0.9, r.Out);
        Assert.NotEmpty(paths);
        Assert.All(paths, p => Assert.Equal("/v1/chat/completions", p));
    }
}
