using System.Diagnostics;
using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Training;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing;

/// <summary>The optimisers and the forward under parallel load with the garbage collector and finalizers running
/// all the time: a native Scalar freed by a finalizer while libtorch still reads it used to end in
/// "INTERNAL ASSERT FAILED at c10/core/Scalar.h" inside Tensor.pow. Each worker repeats one kind of job (L-BFGS probe,
/// AdamW probe, trainer steps on a tiny model, AdamW steps on tiny tensors, cached forwards of tiny models) until a short deadline.</summary>
[Collection(SerialCollection.Name)]
public class OptimiserStressTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(6);

    private static (Tensor X, int[] Y) Data(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var y = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        var v = new float[n * d];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            v[i * d + j] = (float)(rng.NextDouble() - 0.5 + (j % 4 == y[i] ? 1 : 0));
        return (tensor(v, new long[] { n, d }), y);
    }

    private static double TrainProbe(ProbeKind kind, int seed)
    {
        var (x, y) = Data(200, 16, seed);
        using var _ = x;
        using var probe = ClassifierProbe.Train(
            x,
            y,
            4,
            new ProbeOptions
            {
                Kind = kind,
                L2 = 1e-3,
                MaxIterations = 30,
                Seed = seed,
            }
        );
        return probe.Predict(x).Zip(y).Count(p => p.First == p.Second) / (double)y.Length;
    }

    private static double TrainSteps(int seed)
    {
        var options = new TrainOptions
        {
            Layers = 1,
            DModel = 16,
            Heads = 2,
            NCtx = 12,
            BatchSize = 4,
            Steps = 3,
            WarmupSteps = 1,
            LearningRate = 3e-3,
            Seed = seed,
        };
        return Trainer.Train(options, new RepeatedSegmentData(10), null).Losses[^1];
    }

    /// <summary>Many AdamW steps and clippings on tiny tensors: almost every native call takes a Scalar.</summary>
    private static bool AdamWSteps(int seed, TimeSpan until, Stopwatch clock)
    {
        using var g = new Generator((ulong)seed);
        var ps = new[] { randn(new long[] { 4, 4 }, generator: g), randn(new long[] { 4 }, generator: g) };
        foreach (var p in ps)
            p.requires_grad_(true);
        using (var scope = NewDisposeScope())
            (ps[0].sum() * ps[1].sum()).backward();
        using var opt = new AdamW(ps);
        for (int i = 0; i < 200 || clock.Elapsed < until; i++)
        {
            opt.ClipGradNorm(0.5);
            opt.Step(1e-3);
        }
        bool finite = ps.All(p => p.isfinite().all().item<bool>());
        foreach (var p in ps)
            p.Dispose();
        return finite;
    }

    private static int[] Ids(int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, 4).Select(_ => r.Next(1, 50)).ToArray();
    }

    /// <summary>Logits of a cached run (every hook recorded, so the norms take their explicit path) as floats.</summary>
    private static float[] Forward(HookedTransformer model, int seed)
    {
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(new[] { (IReadOnlyList<int>)Ids(seed), Ids(seed + 1) });
        using var run = model.Run(batch, Array.Empty<Hook>(), null);
        return run.Output.contiguous().data<float>().ToArray();
    }

    [Fact]
    public void Should_train_and_run_models_in_parallel_while_the_collector_runs()
    {
        using var gpt2 = TinyModels.Create("gpt2");
        using var llama = TinyModels.Create("llama");
        var reference = new[] { Forward(gpt2, 0), Forward(llama, 0) };
        var models = new[] { gpt2, llama };
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var rounds = new int[7];
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        var clock = Stopwatch.StartNew();
        try
        {
            Parallel.For(0, rounds.Length, new ParallelOptions { MaxDegreeOfParallelism = rounds.Length }, worker =>
            {
                do
                {
                    int seed = rounds[worker]++;
                    switch (worker)
                    {
                        case 0 or 1:
                            double acc = TrainProbe(worker == 0 ? ProbeKind.Linear : ProbeKind.Mlp, seed);
                            if (!(acc > 0.5))
                                failures.Enqueue(
                                    string.Create(
                                        CultureInfo.InvariantCulture,
                                        $"probe {worker}: training accuracy {acc}"
                                    )
                                );
                            break;
                        case 2:
                            double loss = TrainSteps(seed);
                            if (!double.IsFinite(loss))
                                failures.Enqueue(string.Create(CultureInfo.InvariantCulture, $"trainer: loss {loss}"));
                            break;
                        case 3 or 4:
                            if (!AdamWSteps(worker * 1000 + seed, Duration, clock))
                                failures.Enqueue("AdamW: non-finite parameters");
                            break;
                        default:
                            // Models are not thread-safe: each forward worker owns one model.
                            var model = models[worker - 5];
                            var logits = Forward(model, 0);
                            float diff = logits.Zip(reference[worker - 5], (a, b) => Math.Abs(a - b)).Max();
                            if (!(diff < 1e-5f))
                                failures.Enqueue(
                                    string.Create(CultureInfo.InvariantCulture, $"{model.Name}: logits moved by {diff}")
                                );
                            break;
                    }
                } while (clock.Elapsed < Duration);
            });
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        Assert.Empty(failures);
        Assert.All(rounds, r => Assert.True(r >= 1));
    }
}
