using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>A trained classifier probe (linear or MLP) with its feature standardisation.</summary>
public sealed class ClassifierProbe : IDisposable
{
    private readonly Tensor _mean,
        _std; // [d]
    private readonly Tensor[] _params; // linear: W [d, C], b [C]; MLP: W1 [d, h], b1, W2 [h, C], b2

    /// <summary>Options used.</summary>
    public ProbeOptions Options { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Optimisation steps taken (L-BFGS iterations or epochs).</summary>
    public int Steps { get; }

    /// <summary>Best dev accuracy seen during early stopping.</summary>
    public double DevAccuracy { get; }

    private ClassifierProbe(ProbeOptions o, int classes, Tensor mean, Tensor std, Tensor[] ps, int steps, double dev)
    {
        Options = o;
        Classes = classes;
        _mean = mean;
        _std = std;
        _params = ps;
        Steps = steps;
        DevAccuracy = dev;
    }

    /// <summary>The linear probe's weights in the original (unstandardised) feature space, [d, classes]
    /// (neuron rankings read these); null for MLPs.</summary>
    public Tensor? LinearWeights() =>
        Options.Kind == ProbeKind.Linear ? (_params[0] / _std.unsqueeze(1)).DetachFromDisposeScope() : null;

    /// <summary>Trains a probe on rows <paramref name="x"/> [n, d] with labels <paramref name="y"/> in 0..classes-1.</summary>
    /// <exception cref="InputException">Empty data, mismatched lengths, labels out of range, or bad options.</exception>
    public static ClassifierProbe Train(Tensor x, int[] y, int classes, ProbeOptions? options = null)
    {
        var o = options ?? new ProbeOptions();
        if (x.shape[0] == 0)
            throw new InputException("cannot train a probe on an empty dataset");
        if (x.shape[0] != y.Length)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"{x.shape[0]} rows but {y.Length} labels")
            );
        if (classes < 2)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"a probe needs at least 2 classes, got {classes}")
            );
        if (y.Any(v => v < 0 || v >= classes))
            throw new InputException("a label is outside 0..classes-1");
        if (o.DevFraction is < 0 or >= 1)
            throw new InputException("DevFraction must be in [0, 1)");
        // Every random draw uses its own seeded generator, never the global RNG: probes trained on parallel threads
        // (tests, the CLI) stay reproducible.
        using var initGen = new Generator((ulong)o.Seed);
        using var outer = NewDisposeScope();
        var mean = x.mean(new long[] { 0 });
        var std = x.std(0).ClampMin(1e-6);
        var z = (x - mean) / std;
        var yt = tensor(y.Select(v => (long)v).ToArray());
        // Seeded dev split for early stopping.
        var perm = Glassbox.Data.SeededSplit.Permutation(y.Length, unchecked((int)o.Seed) ^ 0x5eed);
        int nDev = y.Length >= 20 ? (int)(y.Length * o.DevFraction) : 0;
        var devIdx = tensor(perm.Take(nDev).Select(i => (long)i).ToArray());
        var trIdx = tensor(perm.Skip(nDev).Select(i => (long)i).ToArray());
        var xTr = z.index_select(0, trIdx);
        var yTr = yt.index_select(0, trIdx);
        var xDev = nDev > 0 ? z.index_select(0, devIdx) : xTr;
        var yDev = nDev > 0 ? yt.index_select(0, devIdx) : yTr;
        long d = x.shape[1];
        Tensor[] ps =
            o.Kind == ProbeKind.Linear
                ? new[] { zeros(d, classes), zeros(classes) }
                : new[]
                {
                    randn(new[] { d, (long)o.Hidden }, generator: initGen).MulScalar(Math.Sqrt(2.0 / d)),
                    zeros(o.Hidden),
                    randn(new[] { (long)o.Hidden, classes }, generator: initGen).MulScalar(Math.Sqrt(1.0 / o.Hidden)),
                    zeros(classes),
                };
        ps = ps.Select(p => (Tensor)new TorchSharp.Modules.Parameter(p, true)).ToArray();
        var (best, steps, devAcc) =
            o.Kind == ProbeKind.Linear && o.L1 == 0
                ? TrainLbfgs(ps, xTr, yTr, xDev, yDev, o)
                : TrainAdam(ps, xTr, yTr, xDev, yDev, o);
        var kept = best.Select(t => t.detach().clone().DetachFromDisposeScope()).ToArray();
        return new ClassifierProbe(
            o,
            classes,
            mean.detach().clone().DetachFromDisposeScope(),
            std.detach().clone().DetachFromDisposeScope(),
            kept,
            steps,
            devAcc
        );
    }

    private static (Tensor[] Best, int Steps, double Dev) TrainLbfgs(
        Tensor[] ps,
        Tensor x,
        Tensor y,
        Tensor xDev,
        Tensor yDev,
        ProbeOptions o
    )
    {
        var lbfgs = new Lbfgs(ps, () =>
            nn.functional.cross_entropy(Logits(ps, x, o, null), y).Plus(ps[0].Square().sum().MulScalar(o.L2))
        );
        Tensor[] best = ps.Select(p => p.detach().clone()).ToArray();
        double bestDev = -1;
        int bad = 0,
            steps = 0;
        while (steps < o.MaxIterations)
        {
            bool more = lbfgs.Run(10);
            steps += 10;
            double dev = Accuracy(ps, xDev, yDev, o);
            if (dev > bestDev + 1e-9)
            {
                bestDev = dev;
                best = ps.Select(p => p.detach().clone()).ToArray();
                bad = 0;
            }
            else if (++bad >= o.Patience)
                break;
            if (!more)
                break;
        }
        lbfgs.Clear();
        return (best, steps, bestDev);
    }

    private static (Tensor[] Best, int Steps, double Dev) TrainAdam(
        Tensor[] ps,
        Tensor x,
        Tensor y,
        Tensor xDev,
        Tensor yDev,
        ProbeOptions o
    )
    {
        // The same update as torch.optim.AdamW (decay on every tensor), whose TorchSharp implementation passes implicit
        // Scalars to libtorch (see Glassbox.Tensors.ScalarMath).
        using var opt = new Glassbox.Training.AdamW(
            ps,
            weightDecay: o.Kind == ProbeKind.Mlp ? o.WeightDecay : 0,
            decayEveryTensor: true
        );
        Tensor[] best = ps.Select(p => p.detach().clone()).ToArray();
        double bestDev = -1;
        int bad = 0,
            epoch = 0;
        long n = x.shape[0];
        using var g = new Generator((ulong)o.Seed);
        using var dropoutGen = new Generator((ulong)o.Seed ^ 0xd209);
        for (; epoch < o.MaxIterations; epoch++)
        {
            using (var scope = NewDisposeScope())
            {
                var perm = randperm(n, generator: g);
                for (long s = 0; s < n; s += o.BatchSize)
                {
                    var idx = perm.narrow(0, s, Math.Min(o.BatchSize, n - s));
                    opt.ZeroGrad();
                    var loss = nn.functional.cross_entropy(
                        Logits(ps, x.index_select(0, idx), o, dropoutGen),
                        y.index_select(0, idx)
                    );
                    if (o.Kind == ProbeKind.Linear)
                        loss = loss.Plus(ps[0].Square().sum().MulScalar(o.L2));
                    loss.backward();
                    opt.Step(o.LearningRate);
                    if (o.Kind == ProbeKind.Linear && o.L1 > 0)
                        using (no_grad())
                        {
                            // Proximal step for the L1 term: soft-threshold the weights.
                            double thr = o.L1 * o.LearningRate;
                            var w = ps[0];
                            w.copy_(w.sign() * w.abs().SubScalar(thr).ClampMin(0));
                        }
                }
            }
            double dev = Accuracy(ps, xDev, yDev, o);
            if (dev > bestDev + 1e-9)
            {
                bestDev = dev;
                best = ps.Select(p => p.detach().clone()).ToArray();
                bad = 0;
            }
            else if (++bad >= o.Patience)
            {
                epoch++;
                break;
            }
        }
        return (best, epoch, bestDev);
    }

    /// <summary>Logits [n, classes]; with <paramref name="dropout"/> (training) the MLP's hidden layer gets inverted
    /// dropout drawn from that generator.</summary>
    private static Tensor Logits(Tensor[] ps, Tensor x, ProbeOptions o, Generator? dropout)
    {
        if (o.Kind == ProbeKind.Linear)
            return matmul(x, ps[0]).Plus(ps[1]);
        var hidden = nn.functional.relu(matmul(x, ps[0]).Plus(ps[1]));
        if (dropout is not null && o.Dropout > 0)
            hidden = (
                hidden * rand(hidden.shape, generator: dropout).GreaterOrEqual(o.Dropout).to(hidden.dtype)
            ).DivScalar(1 - o.Dropout);
        return matmul(hidden, ps[2]).Plus(ps[3]);
    }

    private static double Accuracy(Tensor[] ps, Tensor x, Tensor y, ProbeOptions o)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Logits(ps, x, o, null).argmax(1).eq(y).to(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Predicted class of each row of <paramref name="x"/> [n, d].</summary>
    public int[] Predict(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = (x - _mean) / _std;
        return Logits(_params, z, Options, null).argmax(1).data<long>().Select(v => (int)v).ToArray();
    }

    /// <summary>Frees the parameters.</summary>
    public void Dispose()
    {
        _mean.Dispose();
        _std.Dispose();
        foreach (var p in _params)
            p.Dispose();
    }
}
