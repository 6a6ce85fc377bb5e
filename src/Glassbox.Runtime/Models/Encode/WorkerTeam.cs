// The managed encoder's threads. Why not Parallel.For: a forward makes about 30 short parallel calls a few tens of
// microseconds apart, and the thread pool's workers go to sleep between them, so each call paid a wake-up; these
// workers spin for a short while (SpinMicroseconds) after each call before they sleep, as ONNX Runtime's pool does,
// so a forward wakes them once (docs/benchmarks.md, "The managed encoder").
using System.Diagnostics;

namespace Glassbox.Models.Encode;

/// <summary>A fixed team of background workers that run the parts of one parallel call with the caller. One call at a
/// time; a caller that finds the team busy runs its parts with <see cref="Parallel.For(int, int, Action{int})"/>.</summary>
internal sealed class WorkerTeam
{
    /// <summary>How long a worker spins for the next call before it sleeps.</summary>
    private const double SpinMicroseconds = 300;

    private static readonly object Create = new();
    private static WorkerTeam? _shared;

    private readonly object _busy = new();
    private readonly Worker[] _workers;
    private Action<int>? _body;
    private int _pending;
    private Exception? _error;

    private WorkerTeam(int workers)
    {
        _workers = new Worker[workers];
        for (int i = 0; i < workers; i++)
            _workers[i] = new Worker(this, i + 1);
    }

    /// <summary>Runs body(0..count-1): part 0 on the calling thread, the others on the team.</summary>
    public static void Run(int count, Action<int> body)
    {
        var team = Shared(count - 1);
        if (!Monitor.TryEnter(team._busy))
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, body);
            return;
        }
        try
        {
            team.RunLocked(count, body);
        }
        finally
        {
            Monitor.Exit(team._busy);
        }
    }

    private static WorkerTeam Shared(int workers)
    {
        var team = Volatile.Read(ref _shared);
        if (team is not null && team._workers.Length >= workers)
            return team;
        lock (Create)
        {
            if (_shared is null || _shared._workers.Length < workers)
                _shared = new WorkerTeam(workers); // an older, smaller team's workers just sleep on
            return _shared;
        }
    }

    private void RunLocked(int count, Action<int> body)
    {
        _body = body;
        _error = null;
        Volatile.Write(ref _pending, count - 1);
        for (int i = 0; i < count - 1; i++)
            _workers[i].Start();
        try
        {
            body(0);
        }
        finally
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) > 0)
                spin.SpinOnce(sleep1Threshold: -1);
            _body = null;
        }
        if (_error is not null)
            throw new AggregateException(_error);
    }

    private void Finish(int index)
    {
        try
        {
            _body!(index);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private sealed class Worker
    {
        private readonly WorkerTeam _team;
        private readonly int _index;
        private readonly SemaphoreSlim _wake = new(0);
        private int _generation;
        private int _sleeping;

        public Worker(WorkerTeam team, int index)
        {
            _team = team;
            _index = index;
            new Thread(Loop) { IsBackground = true, Name = "glassbox-encoder" }.Start();
        }

        public void Start()
        {
            Interlocked.Increment(ref _generation);
            if (Interlocked.Exchange(ref _sleeping, 0) == 1)
                _wake.Release();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                while (Volatile.Read(ref _generation) == seen)
                {
                    if (Stopwatch.GetElapsedTime(start).TotalMicroseconds < SpinMicroseconds)
                    {
                        Thread.SpinWait(20);
                        continue;
                    }
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _generation) == seen)
                        _wake.Wait();
                    Interlocked.Exchange(ref _sleeping, 0);
                    start = Stopwatch.GetTimestamp();
                }
                seen = Volatile.Read(ref _generation);
                _team.Finish(_index);
            }
        }
    }
}
