// Why our own retry loop rather than Polly / Microsoft.Extensions.Resilience: timeout, exponential back-off, a
// semaphore and a disk cache are a few lines here, need no new dependency, and tests inject the wait.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Glassbox.Llm;

/// <summary>The LLM could not be reached (or kept failing) after every retry.</summary>
/// <param name="message">One line naming the endpoint, the tries and the last error.</param>
/// <param name="inner">The last failure.</param>
public sealed class LlmUnavailableException(string message, Exception? inner = null)
    : GlassboxException(message, inner);

/// <summary>How <see cref="RobustChat"/> calls an LLM.</summary>
/// <param name="Timeout">Per-call limit.</param>
/// <param name="MaxRetries">Retries after a failed call (so at most 1 + this many calls per prompt).</param>
/// <param name="BaseDelay">Back-off before retry k is <c>BaseDelay × 2^k</c>.</param>
/// <param name="MaxConcurrency">Calls in flight at once.</param>
/// <param name="CacheDirectory">Folder of the reply cache (one JSON file per prompt hash); null: no cache.</param>
/// <param name="Model">Model name, part of the cache key.</param>
/// <param name="Endpoint">Where the client points, for messages.</param>
public sealed record ChatOptionsRecord(
    TimeSpan Timeout,
    int MaxRetries = 3,
    TimeSpan BaseDelay = default,
    int MaxConcurrency = 4,
    string? CacheDirectory = null,
    string Model = "",
    string Endpoint = "the LLM endpoint"
);

/// <summary>Counts of what <see cref="RobustChat"/> did (thread-safe snapshots).</summary>
/// <param name="Calls">Calls made to the client.</param>
/// <param name="Retries">Calls that were retries.</param>
/// <param name="CacheHits">Prompts answered from the cache.</param>
/// <param name="Malformed">Replies the callers could not fully read.</param>
/// <param name="Failures">Prompts that failed after every retry.</param>
public sealed record ChatCounters(int Calls, int Retries, int CacheHits, int Malformed, int Failures);

/// <summary>
/// An <see cref="IChatClient"/> made safe for batch runs: per-call timeout, retries with exponential back-off, a
/// concurrency limit, and a reply cache on disk keyed by the SHA-256 of (model, system prompt, user prompt), so a
/// rerun costs no calls for prompts already answered. Callers report replies they could not read with
/// <see cref="CountMalformed"/>.
/// </summary>
public sealed class RobustChat : IDisposable
{
    private readonly IChatClient _client;
    private readonly ChatOptionsRecord _o;
    private readonly SemaphoreSlim _gate;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private int _calls,
        _retries,
        _hits,
        _malformed,
        _failures;

    /// <param name="client">The client (not disposed here).</param>
    /// <param name="options">Timeout, retries, concurrency, cache.</param>
    /// <param name="delay">Waits between retries (tests pass one that does not sleep).</param>
    /// <exception cref="InputException">A non-positive timeout or concurrency, or negative retries.</exception>
    public RobustChat(
        IChatClient client,
        ChatOptionsRecord options,
        Func<TimeSpan, CancellationToken, Task>? delay = null
    )
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _o = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Timeout <= TimeSpan.Zero)
            throw new InputException("LLM timeout must be positive");
        if (options.MaxRetries < 0)
            throw new InputException("LLM retries must be 0 or more");
        if (options.MaxConcurrency < 1)
            throw new InputException("LLM concurrency must be at least 1");
        _gate = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        _delay = delay ?? Task.Delay;
    }

    /// <summary>What was done so far.</summary>
    public ChatCounters Counters =>
        new(
            Volatile.Read(ref _calls),
            Volatile.Read(ref _retries),
            Volatile.Read(ref _hits),
            Volatile.Read(ref _malformed),
            Volatile.Read(ref _failures)
        );

    /// <summary>Records one reply that could not be fully read.</summary>
    public void CountMalformed() => Interlocked.Increment(ref _malformed);

    /// <summary>The reply text to a system and a user prompt, from the cache or the client.</summary>
    /// <exception cref="LlmUnavailableException">Every try failed or timed out.</exception>
    public async Task<string> CompleteAsync(string system, string user, CancellationToken cancellationToken = default)
    {
        string key = Hash(_o.Model + "\u0000" + system + "\u0000" + user);
        string? file = _o.CacheDirectory is null ? null : Path.Combine(_o.CacheDirectory, key + ".json");
        if (file is not null && TryRead(file) is { } cached)
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }
        var messages = new[] { new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, user) };
        Exception? last = null;
        for (int attempt = 0; attempt <= _o.MaxRetries; attempt++)
        {
            if (attempt > 0)
            {
                Interlocked.Increment(ref _retries);
                var wait =
                    (_o.BaseDelay > TimeSpan.Zero ? _o.BaseDelay : TimeSpan.FromSeconds(1)) * Math.Pow(2, attempt - 1);
                await _delay(wait, cancellationToken).ConfigureAwait(false);
            }
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_o.Timeout);
                Interlocked.Increment(ref _calls);
                var response = await _client.GetResponseAsync(messages, null, timeout.Token).ConfigureAwait(false);
                string text = response.Text ?? "";
                if (file is not null)
                    Save(file, text);
                return text;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is not GlassboxException)
            {
                last =
                    e is OperationCanceledException
                        ? new TimeoutException(
                            string.Create(
                                CultureInfo.InvariantCulture,
                                $"no reply within {_o.Timeout.TotalSeconds:0.#} s"
                            )
                        )
                        : e;
            }
            finally
            {
                _gate.Release();
            }
        }
        Interlocked.Increment(ref _failures);
        throw new LlmUnavailableException(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{_o.Endpoint} failed after {_o.MaxRetries + 1} tries: {last?.Message.ReplaceLineEndings(" ")}"
            ),
            last
        );
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    private sealed record CacheEntry(string Model, string Reply);

    private string? TryRead(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<CacheEntry>(File.ReadAllText(file))?.Reply : null;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null; // a damaged cache entry is a miss; the next reply overwrites it
        }
    }

    private void Save(string file, string reply)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(new CacheEntry(_o.Model, reply)));
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 text.</summary>
    public static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text ?? "")));
}
