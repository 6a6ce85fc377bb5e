using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Glassbox.Tests.Llm;

/// <summary>An OpenAI-compatible chat endpoint on the loopback interface for end-to-end tests: it answers POST
/// <c>/v1/chat/completions</c> the way such servers do, with the reply <paramref name="answer"/> gives for the
/// request's system and user text, and records the paths it was asked.</summary>
internal sealed class OpenAiStub : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _server;
    private readonly List<string> _paths = new();

    public OpenAiStub(Func<string, string, string> answer)
    {
        string port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        Endpoint = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _server = Task.Run(() => Serve(answer, _stop.Token));
    }

    /// <summary>The base URL to configure (…/v1).</summary>
    public string Endpoint { get; }

    /// <summary>Paths requested so far.</summary>
    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_paths)
                return _paths.ToList();
        }
    }

    /// <summary>Writes an --llm-settings file pointing at the stub.</summary>
    public string Settings(string dir)
    {
        var path = Path.Combine(dir, "llm-stub.json");
        File.WriteAllText(
            path,
            $"{{\"endpoint\": \"{Endpoint}\", \"model\": \"stub\", \"maxRetries\": 1, \"timeoutSeconds\": 30, \"concurrency\": 2}}"
        );
        return path;
    }

    private async Task Serve(Func<string, string, string> answer, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync().WaitAsync(ct);
            }
            catch (Exception e)
                when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            using var request = JsonDocument.Parse(await body.ReadToEndAsync(ct));
            lock (_paths)
                _paths.Add(ctx.Request.Url!.AbsolutePath);
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
                        message = new { role = "assistant", content = answer(Text("system"), Text("user")) },
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _server;
        _listener.Close();
        _stop.Dispose();
    }
}
