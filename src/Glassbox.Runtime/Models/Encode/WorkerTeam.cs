// The managed encoder's threads. Why not Parallel.For: a forward makes about 30 short parallel calls a few tens of
// microseconds apart, and the thread pool's workers go to sleep between them, so each call paid a wake-up; these
// workers spin for a short while (SpinMicroseconds) after each call before they sleep, as ONNX Runtime's pool does,
// so a forward wakes them once (docs/benchmarks.md, "The managed encoder"). A call's pieces are claimed one at a
// time by whoever is free, the caller included, so a worker that wakes late (a sleeping vCPU can take milliseconds
// on this VM) delays nothing: the caller does its share. A worker that finds itself on its caller's CPU moves to another
// one before it works (CpuPlacement): after an idle pause that happened in about 7 of 10 wake-ups on the 2-vCPU VM.
using System.Diagnostics;

namespace Glassbox.Models.Encode;

/// <summary>A fixed team of background workers that run the pieces of one parallel call with the caller. One call at
/// a time; a caller that finds the team busy (another thread's forward) runs its pieces itself.</summary>
internal sealed class WorkerTeam
{
    /// <summary>How long a worker spins for the next call before it sleeps.</summary>
    private const double SpinMicroseconds = 300;

    private static readonly object Create = new();
    private static WorkerTeam? _shared;

    private readonly object _busy = new();
    private readonly Worker[] _workers;
    private Action<int>? _body;
    private int _count;
    private int _done;
    private int _generation;
    private long _state; // generation << 32 | next piece to claim
    private Exception? _error;
    private int _callerCpu = -1; // the CPU the caller of the current call runs on (-1: unknown)

    private WorkerTeam(int workers)
    {
        _workers = new Worker[workers];
        for (int i = 0; i < workers; i++)
            _workers[i] = new Worker(this);
    }

    /// <summary>Runs body(0..pieces-1) on the calling thread and up to threads - 1 workers.</summary>
    public static void Run(int pieces, int threads, Action<int> body)
    {
        if (pieces <= 1 || threads <= 1)
        {
            for (int i = 0; i < pieces; i++)
                body(i);
            return;
        }
        var team = Shared(threads - 1);
        if (!Monitor.TryEnter(team._busy))
        {
            for (int i = 0; i < pieces; i++)
                body(i);
            return;
        }
        try
        {
            team.RunLocked(pieces, threads - 1, body);
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

    private void RunLocked(int pieces, int workers, Action<int> body)
    {
        _body = body;
        _count = pieces;
        _error = null;
        Volatile.Write(ref _done, 0);
        int generation = ++_generation;
        _callerCpu = CpuPlacement.Current();
        Interlocked.Exchange(ref _state, (long)generation << 32); // publishes body and count
        for (int i = 0; i < Math.Min(workers, pieces - 1); i++)
            _workers[i].Wake();
        Work(generation);
        var spin = new SpinWait();
        while (Volatile.Read(ref _done) < pieces)
            spin.SpinOnce(sleep1Threshold: -1);
        _body = null;
        if (_error is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_error).Throw(); // the piece's own exception type
    }

    /// <summary>Claims and runs pieces of call <paramref name="generation"/> until none is left.</summary>
    private void Work(int generation)
    {
        while (true)
        {
            long s = Volatile.Read(ref _state);
            if ((int)(s >> 32) != generation || (int)s >= Volatile.Read(ref _count))
                return;
            if (Interlocked.CompareExchange(ref _state, s + 1, s) != s)
                continue;
            // A piece of this call was still unclaimed, so the call is not finished and _body is still its body.
            try
            {
                _body!((int)s);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            finally
            {
                Interlocked.Increment(ref _done);
            }
        }
    }

    private sealed class Worker
    {
        private readonly WorkerTeam _team;
        private readonly SemaphoreSlim _wake = new(0);
        private int _sleeping;

        public Worker(WorkerTeam team)
        {
            _team = team;
            new Thread(Loop) { IsBackground = true, Name = "glassbox-encoder" }.Start();
        }

        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1)
                _wake.Release();
        }

        private int Published() => (int)(Volatile.Read(ref _team._state) >> 32);

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                while (Published() == seen)
                {
                    if (Stopwatch.GetElapsedTime(start).TotalMicroseconds < SpinMicroseconds)
                    {
                        Thread.SpinWait(20);
                        continue;
                    }
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Published() == seen)
                        _wake.Wait();
                    Interlocked.Exchange(ref _sleeping, 0);
                    start = Stopwatch.GetTimestamp();
                }
                seen = Published();
                // Never work (or spin after) on the caller's CPU: there the two would share one CPU's time.
                int caller = Volatile.Read(ref _team._callerCpu);
                if (caller >= 0 && CpuPlacement.Current() == caller)
                    CpuPlacement.MoveOff(caller);
                _team.Work(seen);
            }
        }
    }
}
