using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Glassbox.Llm;

/// <summary>
/// Where the LLM explainer and simulator send prompts: an OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama's
/// <c>http://localhost:11434/v1</c>, ...). Read from a JSON settings file (<c>endpoint</c>, <c>model</c>,
/// <c>apiKeyVariable</c>, <c>timeoutSeconds</c>, <c>maxRetries</c>, <c>concurrency</c>) and the environment
/// (<see cref="EndpointVariable"/>, <see cref="ModelVariable"/>, <see cref="KeyVariable"/> override the file). The key
/// is only ever read from the environment: a settings file holding one is refused.
/// </summary>
/// <param name="Endpoint">Base URL of the endpoint.</param>
/// <param name="Model">Model name.</param>
/// <param name="ApiKey">Key (from the environment), or null for endpoints without one.</param>
/// <param name="TimeoutSeconds">Per-call limit.</param>
/// <param name="MaxRetries">Retries per prompt.</param>
/// <param name="Concurrency">Calls in flight at once.</param>
public sealed record LlmSettings(
    string Endpoint,
    string Model,
    string? ApiKey = null,
    double TimeoutSeconds = 60,
    int MaxRetries = 3,
    int Concurrency = 4
)
{
    /// <summary>Environment variable with the endpoint URL.</summary>
    public const string EndpointVariable = "GLASSBOX_LLM_ENDPOINT";

    /// <summary>Environment variable with the model name.</summary>
    public const string ModelVariable = "GLASSBOX_LLM_MODEL";

    /// <summary>Environment variable with the API key.</summary>
    public const string KeyVariable = "GLASSBOX_LLM_API_KEY";

    private sealed record FileSettings(
        string? Endpoint,
        string? Model,
        string? ApiKey,
        string? ApiKeyVariable,
        double? TimeoutSeconds,
        int? MaxRetries,
        int? Concurrency
    );

    /// <summary>Settings from the file (if any) and the environment.</summary>
    /// <param name="file">JSON settings file, or null.</param>
    /// <param name="environment">Reads a variable (tests pass their own; default the process environment).</param>
    /// <exception cref="InputException">Unreadable file, a key in the file, no endpoint or model, bad numbers.</exception>
    public static LlmSettings Load(string? file, Func<string, string?>? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        FileSettings f = new(null, null, null, null, null, null, null);
        if (file is not null)
        {
            if (!File.Exists(file))
                throw new InputException($"--llm-settings: file '{file}' does not exist");
            try
            {
                f = JsonSerializer.Deserialize<FileSettings>(
                    File.ReadAllText(file),
                    new JsonSerializerOptions { PropertyNameCaseInsensitive = true }
                ) ?? f;
            }
            catch (JsonException e)
            {
                throw new InputException($"--llm-settings: '{file}' is not valid JSON: {e.Message}", e);
            }
            if (!string.IsNullOrEmpty(f.ApiKey))
                throw new InputException(
                    $"--llm-settings: '{file}' holds an API key; keep keys out of files: set {KeyVariable} or name a variable in 'apiKeyVariable'"
                );
        }
        string? endpoint = Blank(env(EndpointVariable)) ?? f.Endpoint;
        string? model = Blank(env(ModelVariable)) ?? f.Model;
        string? key = Blank(env(KeyVariable)) ?? (f.ApiKeyVariable is { } v ? Blank(env(v)) : null);
        if (endpoint is null)
            throw new InputException(
                $"--llm chat needs an endpoint: set {EndpointVariable} or 'endpoint' in --llm-settings"
            );
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new InputException($"LLM endpoint '{endpoint}' is not an http(s) URL");
        if (model is null)
            throw new InputException($"--llm chat needs a model: set {ModelVariable} or 'model' in --llm-settings");
        var s = new LlmSettings(endpoint, model, key, f.TimeoutSeconds ?? 60, f.MaxRetries ?? 3, f.Concurrency ?? 4);
        if (s.TimeoutSeconds <= 0 || s.MaxRetries < 0 || s.Concurrency < 1)
            throw new InputException("--llm-settings: timeoutSeconds must be > 0, maxRetries ≥ 0, concurrency ≥ 1");
        return s;
    }

    /// <summary>An OpenAI-compatible chat client for these settings (its own retries off: <see cref="RobustChat"/>
    /// retries).</summary>
    public IChatClient CreateClient()
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(Endpoint),
            NetworkTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
            RetryPolicy = new ClientRetryPolicy(0),
        };
        return new OpenAI.Chat.ChatClient(Model, new ApiKeyCredential(ApiKey ?? "none"), options).AsIChatClient();
    }

    /// <summary>Options for <see cref="RobustChat"/>, caching under <paramref name="cacheDirectory"/>.</summary>
    public ChatOptionsRecord ChatOptions(string? cacheDirectory) =>
        new(
            TimeSpan.FromSeconds(TimeoutSeconds),
            MaxRetries,
            TimeSpan.FromSeconds(1),
            Concurrency,
            cacheDirectory,
            Model,
            string.Create(CultureInfo.InvariantCulture, $"LLM endpoint {Endpoint} (model {Model})")
        );

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>The settings without the key (for manifests and messages).</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Endpoint} model {Model}{(ApiKey is null ? "" : " (key set)")}");
}
