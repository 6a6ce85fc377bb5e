using System.Globalization;
using Glassbox.Probing;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing;

/// <summary>The L-BFGS and Adam probe trainers under parallel load with the garbage collector and finalizers running
/// all the time: a native Scalar freed by a finalizer while libtorch still reads it used to end in
/// "INTERNAL ASSERT FAILED at c10/core/Scalar.h" inside Tensor.pow.</summary>
[Collection(SerialCollection.Name)]
public class OptimiserStressTests
{
    private static (Tensor X, int[] Y) Data(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var y = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        var v = new float[n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) v[i * d + j] = (float)(rng.NextDouble() - 0.5 + (j % 4 == y[i] ? 1 : 0));
        return (tensor(v, new long[] { n, d }), y);
    }

    [Fact]
    public void Should_train_probes_in_parallel_while_the_collector_runs()
    {
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        });
        collector.Start();
        var accuracies = new double[8];
        try
        {
            Parallel.For(0, accuracies.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                var (x, y) = Data(300, 16, i);
                using var _ = x;
                var kind = i % 2 == 0 ? ProbeKind.Linear : ProbeKind.Mlp;
                using var probe = ClassifierProbe.Train(x, y, 4, new ProbeOptions { Kind = kind, L2 = 1e-3, MaxIterations = 40, Seed = i });
                accuracies[i] = probe.Predict(x).Zip(y).Count(p => p.First == p.Second) / (double)y.Length;
            });
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        Assert.All(accuracies, a => Assert.True(a > 0.5, string.Create(CultureInfo.InvariantCulture, $"training accuracy {a}")));
    }
}
