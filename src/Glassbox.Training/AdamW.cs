using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Training;

/// <summary>AdamW (Loshchilov &amp; Hutter; the same update as <c>torch.optim.AdamW</c>) over the model's own leaf
/// tensors, updated in place so the model's weight dictionary always holds the current values. Weight decay is
/// applied only to tensors of rank ≥ 2 (matrices and embeddings).</summary>
public sealed class AdamW : IDisposable
{
    private readonly Tensor[] _params;
    private readonly bool[] _decay;
    private readonly Tensor[] _m,
        _v;
    private readonly double _beta1,
        _beta2,
        _eps,
        _weightDecay;
    private int _t;

    /// <summary>Creates the optimiser with zero moment estimates.</summary>
    /// <param name="parameters">Leaf tensors updated in place.</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay per unit learning rate.</param>
    /// <param name="decayEveryTensor">Decay every tensor, vectors included (as <c>torch.optim.AdamW</c> does),
    /// instead of only tensors of rank ≥ 2.</param>
    public AdamW(
        IReadOnlyList<Tensor> parameters,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double eps = 1e-8,
        double weightDecay = 0.01,
        bool decayEveryTensor = false
    )
    {
        _params = parameters.ToArray();
        _decay = _params.Select(p => decayEveryTensor || p.dim() >= 2).ToArray();
        _m = _params.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _v = _params.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
    }

    /// <summary>Number of steps taken.</summary>
    public int StepCount => _t;

    /// <summary>One update with learning rate <paramref name="lr"/> from the current gradients (parameters
    /// without a gradient are skipped).</summary>
    public void Step(double lr)
    {
        _t++;
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        double bc1 = 1 - Math.Pow(_beta1, _t),
            bc2 = 1 - Math.Pow(_beta2, _t);
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i];
            var g = p.grad;
            if (g is null)
                continue;
            if (_decay[i] && _weightDecay > 0)
                p.MulScalarInPlace(1 - lr * _weightDecay);
            _m[i].MulScalarInPlace(_beta1).AddScaledInPlace(g, 1 - _beta1);
            _v[i].MulScalarInPlace(_beta2).AddcmulInPlace(g, g, 1 - _beta2);
            var denom = _v[i].sqrt().DivScalarInPlace(Math.Sqrt(bc2)).AddScalarInPlace(_eps);
            p.AddcdivInPlace(_m[i], denom, -lr / bc1);
        }
    }

    /// <summary>First-moment estimates, one per parameter in constructor order (owned; for checkpoints).</summary>
    public IReadOnlyList<Tensor> FirstMoments => _m;

    /// <summary>Second-moment estimates, one per parameter in constructor order (owned; for checkpoints).</summary>
    public IReadOnlyList<Tensor> SecondMoments => _v;

    /// <summary>Restores a saved state (resuming a run): the step count and copies of both moment estimates.</summary>
    /// <exception cref="InputException">A count or shape differs from the parameters (named by index).</exception>
    public void Restore(int stepCount, IReadOnlyList<Tensor> first, IReadOnlyList<Tensor> second)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        if (first.Count != _params.Length || second.Count != _params.Length)
            throw new InputException(
                string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"optimiser state has {first.Count}/{second.Count} moment tensors, expected {_params.Length}"
                )
            );
        for (int i = 0; i < _params.Length; i++)
            if (!first[i].shape.SequenceEqual(_m[i].shape) || !second[i].shape.SequenceEqual(_v[i].shape))
                throw new InputException(
                    string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"optimiser state tensor {i} has shape [{string.Join(", ", first[i].shape)}], expected [{string.Join(", ", _m[i].shape)}]"
                    )
                );
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        for (int i = 0; i < _params.Length; i++)
        {
            _m[i].copy_(first[i]);
            _v[i].copy_(second[i]);
        }
        _t = stepCount;
    }

    /// <summary>Clears the gradients of every parameter.</summary>
    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var p in _params)
            p.grad?.zero_();
    }

    /// <summary>Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        var grads = _params.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToList();
        if (grads.Count == 0)
            return 0;
        // Per-tensor sums of squares in float32, added in float64 on the device and read back with one sync.
        var sq = stack(grads.Select(g => g.Square().sum().to_type(ScalarType.Float64)).ToArray()); // [n_grads]
        double total = Math.Sqrt((float)sq.sum().item<double>());
        if (maxNorm > 0 && total > maxNorm)
        {
            double scale = maxNorm / (total + 1e-6);
            foreach (var g in grads)
                g.MulScalarInPlace(scale);
        }
        return total;
    }

    /// <summary>Frees the moment estimates.</summary>
    public void Dispose()
    {
        foreach (var t in _m)
            t.Dispose();
        foreach (var t in _v)
            t.Dispose();
    }
}
