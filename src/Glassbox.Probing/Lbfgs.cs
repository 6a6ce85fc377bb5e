using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>
/// Full-batch L-BFGS (two-loop recursion, history m) with a backtracking Armijo line search, over a list of parameter
/// tensors treated as one flat vector. For smooth convex objectives such as L2-regularised logistic regression, where
/// every step is a couple of large matrix products, so the BLAS does the work.
/// </summary>
internal sealed class Lbfgs
{
    private readonly Tensor[] _params;
    private readonly Func<Tensor> _loss;
    private readonly int _history;
    private readonly List<(Tensor S, Tensor Y, double Rho)> _mem = new();
    private Tensor? _grad;
    private double _value;

    /// <param name="parameters">Leaf tensors with requires_grad.</param>
    /// <param name="loss">Computes the scalar objective from the current parameters.</param>
    /// <param name="history">Number of correction pairs kept.</param>
    public Lbfgs(Tensor[] parameters, Func<Tensor> loss, int history = 20)
    {
        _params = parameters;
        _loss = loss;
        _history = history;
    }

    /// <summary>Runs up to <paramref name="iterations"/> iterations; returns false when converged (no further progress).</summary>
    public bool Run(int iterations)
    {
        if (_grad is null)
            (_value, _grad) = Evaluate();
        for (int it = 0; it < iterations; it++)
        {
            if (_grad.abs().max().item<float>() < 1e-6f)
                return false;
            var dir = Direction(_grad);
            double slope = dir.dot(_grad).item<float>();
            if (slope >= 0)
            {
                ClearHistory();
                dir.Dispose();
                dir = -_grad;
                slope = -_grad.dot(_grad).item<float>();
            }
            var x0 = Flat();
            double step = _mem.Count == 0 ? Math.Min(1.0, 1.0 / Math.Max(1e-12, _grad.abs().sum().item<float>())) : 1.0;
            double value = double.NaN;
            Tensor? grad = null;
            for (int ls = 0; ls < 30; ls++)
            {
                Set(x0.Plus(dir.MulScalar(step)));
                (value, grad) = Evaluate();
                if (double.IsFinite(value) && value <= _value + 1e-4 * step * slope)
                    break;
                grad.Dispose();
                grad = null;
                step *= 0.5;
            }
            if (grad is null)
            {
                Set(x0);
                x0.Dispose();
                dir.Dispose();
                return false;
            }
            var s = dir.MulScalar(step).DetachFromDisposeScope();
            var y = (grad - _grad).DetachFromDisposeScope();
            double sy = s.dot(y).item<float>();
            if (sy > 1e-10)
            {
                _mem.Add((s, y, 1.0 / sy));
                if (_mem.Count > _history)
                {
                    _mem[0].S.Dispose();
                    _mem[0].Y.Dispose();
                    _mem.RemoveAt(0);
                }
            }
            else
            {
                s.Dispose();
                y.Dispose();
            }
            bool progress = Math.Abs(_value - value) > 1e-9 * Math.Max(1, Math.Abs(value));
            _grad.Dispose();
            _grad = grad;
            _value = value;
            x0.Dispose();
            dir.Dispose();
            if (!progress)
                return false;
        }
        return true;
    }

    private Tensor Direction(Tensor g)
    {
        var q = g.clone();
        var alphas = new double[_mem.Count];
        for (int i = _mem.Count - 1; i >= 0; i--)
        {
            alphas[i] = _mem[i].Rho * _mem[i].S.dot(q).item<float>();
            q.sub_(_mem[i].Y.MulScalar(alphas[i]));
        }
        if (_mem.Count > 0)
        {
            var (s, y, _) = _mem[^1];
            q.MulScalarInPlace(s.dot(y).item<float>() / y.dot(y).item<float>());
        }
        for (int i = 0; i < _mem.Count; i++)
        {
            double beta = _mem[i].Rho * _mem[i].Y.dot(q).item<float>();
            q.PlusInPlace(_mem[i].S.MulScalar(alphas[i] - beta));
        }
        return q.neg_();
    }

    private (double Value, Tensor Grad) Evaluate()
    {
        foreach (var p in _params)
            p.grad?.zero_();
        using var scope = NewDisposeScope();
        var loss = _loss();
        loss.backward();
        double v = loss.item<float>();
        var g = cat(_params.Select(p => p.grad!.flatten()).ToArray()).detach().clone();
        return (v, g.MoveToOuterDisposeScope());
    }

    private Tensor Flat() => cat(_params.Select(p => p.detach().flatten()).ToArray());

    private void Set(Tensor flat)
    {
        using var _ = no_grad();
        long at = 0;
        foreach (var p in _params)
        {
            long n = p.numel();
            p.copy_(flat.narrow(0, at, n).view(p.shape));
            at += n;
        }
        flat.Dispose();
    }

    private void ClearHistory()
    {
        foreach (var (s, y, _) in _mem)
        {
            s.Dispose();
            y.Dispose();
        }
        _mem.Clear();
    }

    /// <summary>Frees the history.</summary>
    public void Clear()
    {
        ClearHistory();
        _grad?.Dispose();
        _grad = null;
    }
}
