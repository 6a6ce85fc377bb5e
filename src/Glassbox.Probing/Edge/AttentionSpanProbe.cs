using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing.Edge;

/// <summary>Training settings of <see cref="AttentionSpanProbe"/>.</summary>
public sealed record AttentionProbeOptions
{
    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Maximum epochs.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Examples per step (the whole set when it is smaller).</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>L2 penalty on the classifier weights.</summary>
    public double L2 { get; init; } = 1e-4;

    /// <summary>Fraction of training examples held out for early stopping.</summary>
    public double DevFraction { get; init; } = 0.1;

    /// <summary>Epochs without dev improvement before stopping.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Seed (initialisation, dev split, batch order).</summary>
    public long Seed { get; init; }
}

/// <summary>
/// A linear classifier over self-attentively pooled spans (Tenney et al. 2019): one attention vector per span role
/// (span 1, span 2), trained jointly with the classifier by Adam with TorchSharp autograd. Word vectors are standardised
/// with the statistics of the training spans' words. Attention vectors start at zero, i.e. at mean pooling.
/// </summary>
public sealed class AttentionSpanProbe : IDisposable
{
    private readonly Tensor _mean,
        _std; // [d]
    private readonly Tensor[] _attention; // per role [d]
    private readonly Tensor _w,
        _b; // [roles*d, C], [C]

    /// <summary>Epochs run.</summary>
    public int Epochs { get; }

    /// <summary>Best dev accuracy.</summary>
    public double DevAccuracy { get; }

    private AttentionSpanProbe(Tensor mean, Tensor std, Tensor[] attention, Tensor w, Tensor b, int epochs, double dev)
    {
        _mean = mean;
        _std = std;
        _attention = attention;
        _w = w;
        _b = b;
        Epochs = epochs;
        DevAccuracy = dev;
    }

    /// <summary>The learned attention vector of span role <paramref name="role"/> (over standardised features), [d].</summary>
    public Tensor AttentionVector(int role) => _attention[role].clone(); // [d]

    /// <summary>Trains on the spans <paramref name="roles"/> (one <see cref="SpanRows"/> per role, aligned by example)
    /// over rows of <paramref name="words"/> [W, d], with labels <paramref name="y"/> in 0..classes-1.</summary>
    /// <exception cref="InputException">Empty or mismatched inputs, or fewer than two classes.</exception>
    public static AttentionSpanProbe Train(
        Tensor words,
        IReadOnlyList<SpanRows> roles,
        int[] y,
        int classes,
        AttentionProbeOptions? options = null
    )
    {
        var o = options ?? new AttentionProbeOptions();
        if (roles.Count == 0 || y.Length == 0)
            throw new InputException("cannot train a span probe on an empty dataset");
        if (roles.Any(r => r.Count != y.Length))
            throw new InputException("every span role needs one span per label");
        if (classes < 2)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"a probe needs at least 2 classes, got {classes}")
            );
        if (y.Any(v => v < 0 || v >= classes))
            throw new InputException("a label is outside 0..classes-1");
        long d = words.shape[1];
        using var outer = NewDisposeScope();
        // Standardisation from the words of the training spans.
        var used = roles
            .SelectMany(r =>
                Enumerable
                    .Range(0, r.Count)
                    .SelectMany(i => Enumerable.Range(0, r.Length[i]).Select(j => r.First[i] + j))
            )
            .Distinct()
            .ToArray();
        var sample = words.index_select(0, tensor(used));
        var mean = sample.mean(new long[] { 0 });
        var std = sample.std(0).ClampMin(1e-6);
        var z = (words - mean) / std; // [W, d]
        var rng = new Random(unchecked((int)o.Seed) ^ 0x5a5a);
        var perm = Enumerable.Range(0, y.Length).OrderBy(_ => rng.Next()).ToArray();
        int nDev = y.Length >= 20 ? (int)(y.Length * o.DevFraction) : 0;
        var dev = perm.Take(nDev).ToArray();
        var train = perm.Skip(nDev).ToArray();
        if (dev.Length == 0)
            dev = train;
        var att = roles.Select(_ => (Tensor)new TorchSharp.Modules.Parameter(zeros(d), true)).ToArray();
        var w = new TorchSharp.Modules.Parameter(zeros(roles.Count * d, classes), true);
        var b = new TorchSharp.Modules.Parameter(zeros(classes), true);
        var ps = att.Cast<TorchSharp.Modules.Parameter>().Append(w).Append(b).ToArray();
        using var opt = new Glassbox.Training.AdamW(ps, weightDecay: 0); // = torch.optim.Adam
        Tensor[] best = ps.Select(p => p.detach().clone()).ToArray();
        double bestDev = -1;
        int bad = 0,
            epoch = 0;
        for (; epoch < o.Epochs; epoch++)
        {
            var order = train.OrderBy(_ => rng.Next()).ToArray();
            for (int s = 0; s < order.Length; s += o.BatchSize)
            {
                using var scope = NewDisposeScope();
                var idx = order.Skip(s).Take(o.BatchSize).ToArray();
                opt.ZeroGrad();
                var logits = Logits(z, roles.Select(r => r.Subset(idx)).ToArray(), att, w, b);
                var target = tensor(idx.Select(i => (long)y[i]).ToArray());
                var loss = nn.functional.cross_entropy(logits, target).Plus(w.Square().sum().MulScalar(o.L2));
                loss.backward();
                opt.Step(o.LearningRate);
            }
            double acc = Accuracy(z, roles, dev, y, att, w, b);
            if (acc > bestDev + 1e-9)
            {
                bestDev = acc;
                best = ps.Select(p => p.detach().clone()).ToArray();
                bad = 0;
            }
            else if (++bad >= o.Patience)
            {
                epoch++;
                break;
            }
        }
        var kept = best.Select(t => t.detach().clone().DetachFromDisposeScope()).ToArray();
        return new AttentionSpanProbe(
            mean.detach().clone().DetachFromDisposeScope(),
            std.detach().clone().DetachFromDisposeScope(),
            kept[..roles.Count],
            kept[roles.Count],
            kept[roles.Count + 1],
            epoch,
            bestDev
        );
    }

    /// <summary>Predicted class of every example.</summary>
    public int[] Predict(Tensor words, IReadOnlyList<SpanRows> roles)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = (words - _mean) / _std;
        var result = new List<int>();
        int n = roles[0].Count;
        for (int s = 0; s < n; s += 4096)
        {
            int c = Math.Min(4096, n - s);
            using var inner = NewDisposeScope();
            var logits = Logits(z, roles.Select(r => r.Range(s, c)).ToArray(), _attention, _w, _b);
            result.AddRange(logits.argmax(1).data<long>().Select(v => (int)v));
        }
        return result.ToArray();
    }

    private static Tensor Logits(Tensor z, SpanRows[] roles, Tensor[] att, Tensor w, Tensor b) // [n, C]
    {
        var pooled = roles.Select((r, k) => SpanPool.Attention(z, r, att[k])).ToArray();
        var x = pooled.Length == 1 ? pooled[0] : cat(pooled, 1);
        return matmul(x, w).Plus(b);
    }

    private static double Accuracy(
        Tensor z,
        IReadOnlyList<SpanRows> roles,
        int[] rows,
        int[] y,
        Tensor[] att,
        Tensor w,
        Tensor b
    )
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int hit = 0;
        for (int s = 0; s < rows.Length; s += 4096)
        {
            var idx = rows.Skip(s).Take(4096).ToArray();
            var pred = Logits(z, roles.Select(r => r.Subset(idx)).ToArray(), att, w, b)
                .argmax(1)
                .data<long>()
                .ToArray();
            for (int i = 0; i < idx.Length; i++)
                if (pred[i] == y[idx[i]])
                    hit++;
        }
        return hit / (double)rows.Length;
    }

    /// <summary>Frees the parameters.</summary>
    public void Dispose()
    {
        _mean.Dispose();
        _std.Dispose();
        _w.Dispose();
        _b.Dispose();
        foreach (var a in _attention)
            a.Dispose();
    }
}
