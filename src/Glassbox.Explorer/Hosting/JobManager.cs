using System.Collections.Concurrent;
using System.Globalization;

namespace Glassbox.Explorer.Hosting;

/// <summary>State of a background job.</summary>
public enum JobState
{
    /// <summary>Waiting for the model.</summary>
    Queued,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Finished with a result envelope.</summary>
    Done,

    /// <summary>Stopped by bad input or an error.</summary>
    Failed,

    /// <summary>Cancelled from the page or the API.</summary>
    Cancelled,
}

/// <summary>A snapshot of a job for the API.</summary>
/// <param name="Id">Job id.</param>
/// <param name="Kind">What runs, e.g. "probe pos".</param>
/// <param name="State">queued, running, done, failed or cancelled.</param>
/// <param name="Progress">Progress lines so far.</param>
/// <param name="Error">One-line error when failed.</param>
public sealed record JobInfo(string Id, string Kind, string State, IReadOnlyList<string> Progress, string? Error);

/// <summary>One background analysis. Progress lines and the final state are published to any number of readers
/// (server-sent events); <see cref="Cancel"/> stops it at its next progress report.</summary>
public sealed class ExplorerJob : IDisposable
{
    private readonly Lock _sync = new();
    private readonly List<string> _progress = [];
    private readonly CancellationTokenSource _cts = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly Action<ExplorerJob, string>? _reported;

    internal ExplorerJob(string id, string kind, Action<ExplorerJob, string>? reported = null)
    {
        Id = id;
        Kind = kind;
        _reported = reported;
    }

    /// <summary>Job id.</summary>
    public string Id { get; }

    /// <summary>What runs.</summary>
    public string Kind { get; }

    /// <summary>Current state.</summary>
    public JobState State { get; private set; }

    /// <summary>The result envelope as JSON, once done.</summary>
    public string? ResultJson { get; private set; }

    /// <summary>One-line error, once failed.</summary>
    public string? Error { get; private set; }

    /// <summary>Cancelled by <see cref="Cancel"/>.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True once done, failed or cancelled.</summary>
    public bool Finished => State is JobState.Done or JobState.Failed or JobState.Cancelled;

    /// <summary>Adds a progress line; throws <see cref="OperationCanceledException"/> when cancelled, so analyses stop
    /// at their next report (pass this as their status callback).</summary>
    public void Report(string line)
    {
        _cts.Token.ThrowIfCancellationRequested();
        Update(() => _progress.Add(line));
        _reported?.Invoke(this, line);
    }

    /// <summary>Requests cancellation.</summary>
    public void Cancel()
    {
        if (!Finished)
            _cts.Cancel();
    }

    /// <summary>Progress lines from <paramref name="from"/>, the state, and a task that completes on the next change.</summary>
    public (IReadOnlyList<string> Lines, JobState State, Task Changed) Read(int from)
    {
        lock (_sync)
            return (_progress.Skip(from).ToList(), State, _changed.Task);
    }

    /// <summary>A snapshot for the API.</summary>
    public JobInfo Info()
    {
        lock (_sync)
            return new JobInfo(Id, Kind, State.ToString().ToLowerInvariant(), _progress.ToList(), Error);
    }

    internal void Set(JobState state, string? result = null, string? error = null) =>
        Update(() =>
        {
            State = state;
            ResultJson = result ?? ResultJson;
            Error = error ?? Error;
        });

    private void Update(Action change)
    {
        TaskCompletionSource old;
        lock (_sync)
        {
            change();
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        old.TrySetResult();
    }

    /// <summary>Releases the cancellation source.</summary>
    public void Dispose() => _cts.Dispose();
}

/// <summary>Runs analyses in the background on the shared model, one at a time, and keeps the last few jobs.</summary>
public sealed class JobManager(ModelHost host) : IDisposable
{
    private const int Kept = 32;
    private readonly ConcurrentDictionary<string, ExplorerJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private long _next;

    /// <summary>Raised on the job's own thread after each progress line is added (for logs, and for tests that must
    /// act at a known point of a running job). The job waits for its handlers; a handler that throws fails the job.</summary>
    public event Action<ExplorerJob, string>? Reported;

    /// <summary>Starts <paramref name="work"/> (which returns the result envelope as JSON) as a job.</summary>
    public ExplorerJob Start(string kind, Func<Glassbox.Models.HookedTransformer, ExplorerJob, string> work)
    {
        string id = string.Create(CultureInfo.InvariantCulture, $"j{Interlocked.Increment(ref _next)}");
        var job = new ExplorerJob(id, kind, (j, line) => Reported?.Invoke(j, line));
        _jobs[id] = job;
        _order.Enqueue(id);
        while (_order.Count > Kept && _order.TryDequeue(out var old))
            if (_jobs.TryRemove(old, out var gone))
                gone.Dispose();
        _ = Task.Run(() => RunAsync(job, work));
        return job;
    }

    /// <summary>A job by id, or null.</summary>
    public ExplorerJob? Find(string id) => _jobs.GetValueOrDefault(id);

    private async Task RunAsync(ExplorerJob job, Func<Glassbox.Models.HookedTransformer, ExplorerJob, string> work)
    {
        try
        {
            var json = await host.RunAsync(
                    m =>
                    {
                        job.Token.ThrowIfCancellationRequested();
                        job.Set(JobState.Running);
                        return work(m, job);
                    },
                    job.Token
                )
                .ConfigureAwait(false);
            job.Set(JobState.Done, result: json);
        }
        catch (OperationCanceledException)
        {
            job.Set(JobState.Cancelled, error: "cancelled");
        }
        catch (GlassboxException e)
        {
            job.Set(JobState.Failed, error: e.Message);
        }
#pragma warning disable CA1031 // a job's failure is reported to its page, never thrown into the server
        catch (Exception e)
#pragma warning restore CA1031
        {
            job.Set(JobState.Failed, error: "internal error: " + e.Message.Split('\n')[0]);
        }
    }

    /// <summary>Cancels and releases every job.</summary>
    public void Dispose()
    {
        foreach (var j in _jobs.Values)
            j.Cancel();
    }
}
