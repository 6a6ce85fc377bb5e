using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing.Structural;

/// <summary>What a structural probe predicts.</summary>
public enum StructuralProbeKind
{
    /// <summary>Squared distances ||B(h_i - h_j)||² ≈ tree distance d(i, j).</summary>
    Distance,

    /// <summary>Squared norms ||B h_i||² ≈ tree depth of word i.</summary>
    Depth,
}

/// <summary>Loss curve and stopping point of one probe's training.</summary>
/// <param name="TrainLoss">Mean training loss per sentence, one value per epoch run.</param>
/// <param name="DevLoss">Dev loss after each epoch (the training loss again when no dev set was given).</param>
/// <param name="EpochsRun">Epochs run before the limit or early stopping.</param>
/// <param name="BestEpoch">1-based epoch whose parameters were kept.</param>
public sealed record ProbeTrainingCurve(
    IReadOnlyList<double> TrainLoss,
    IReadOnlyList<double> DevLoss,
    int EpochsRun,
    int BestEpoch
);

/// <summary>
/// The structural probe of Hewitt &amp; Manning (2019): a linear map B [rank, d_model] trained so that squared
/// distances (or squared norms) of projected word vectors match dependency-tree distances (or depths). The loss is
/// the paper's L1: per sentence, the sum of |predicted - gold| over word pairs divided by the squared length
/// (over words divided by the length for depth), averaged over the sentences of a batch. Training runs on padded,
/// masked batches of sentences with Adam; pairwise squared distances come from a batched Gram matrix, so the cost
/// is batched matrix products.
/// </summary>
public sealed class StructuralProbe : IDisposable
{
    private readonly Tensor _b;

    /// <summary>Distance or depth probe.</summary>
    public StructuralProbeKind Kind { get; }

    /// <summary>Rank of B.</summary>
    public int Rank => (int)_b.shape[0];

    /// <summary>Width of the representations.</summary>
    public int DModel => (int)_b.shape[1];

    /// <summary>Training curve (null for a probe built from a given matrix).</summary>
    public ProbeTrainingCurve? Training { get; }

    /// <summary>The projection B [rank, d_model] (owned by the probe; clone it to keep it beyond the probe).</summary>
    public Tensor Projection => _b;

    /// <summary>Wraps a given projection B [rank, d_model] (copied, float32).</summary>
    public StructuralProbe(StructuralProbeKind kind, Tensor projection)
        : this(kind, Copy(projection), null) { }

    private StructuralProbe(StructuralProbeKind kind, Tensor owned, ProbeTrainingCurve? training)
    {
        if (owned.dim() != 2)
            throw new GlassboxException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"structural probe: projection has {owned.dim()} dimensions, expected [rank, d_model]"
                )
            );
        Kind = kind;
        _b = owned;
        Training = training;
    }

    private static Tensor Copy(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to_type(ScalarType.Float32).clone().DetachFromDisposeScope();
    }

    /// <summary>
    /// Trains a probe on <paramref name="train"/>, early-stopping on the loss on <paramref name="dev"/> (on the
    /// training loss when null) and keeping the best epoch's parameters.
    /// </summary>
    public static StructuralProbe Train(
        StructuralProbeKind kind,
        ParsedRepresentations train,
        ParsedRepresentations? dev,
        StructuralProbeOptions? options = null
    )
    {
        options ??= new StructuralProbeOptions();
        options.Validate();
        train.Validate("train");
        dev?.Validate("dev");
        int d = train.DModel;
        if (dev != null && dev.DModel != d)
            throw new GlassboxException(
                string.Create(CultureInfo.InvariantCulture, $"dev: d_model {dev.DModel} differs from train's {d}")
            );
        int rank = options.ResolveRank(d);

        var trainGold = GoldTargets(kind, train);
        var devGold = dev == null ? null : GoldTargets(kind, dev);
        var rng = new Random(options.Seed);
        Tensor init;
        using (var scope = NewDisposeScope())
        {
            using var gen = new Generator((ulong)options.Seed);
            init = rand(new long[] { rank, d }, generator: gen).MulScalar(0.1).SubScalar(0.05).DetachFromDisposeScope();
        }
        using var param = new TorchSharp.Modules.Parameter(init, requires_grad: true);
        init.Dispose();
        param.DetachFromDisposeScope();
        using var best = zeros(rank, d).DetachFromDisposeScope();
        using var optimizer = new Glassbox.Training.AdamW(new[] { param }, weightDecay: 0); // = torch.optim.Adam

        var trainCurve = new List<double>();
        var devCurve = new List<double>();
        double bestLoss = double.PositiveInfinity,
            lr = options.LearningRate;
        int bestEpoch = 0;
        var order = Enumerable.Range(0, train.Count).ToArray();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            rng.Shuffle(order);
            double sum = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var idx = order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start)).ToArray();
                optimizer.ZeroGrad();
                var loss = BatchLoss(kind, param, train, trainGold, idx);
                loss.backward();
                optimizer.Step(lr);
                sum += loss.item<float>() * idx.Length;
            }
            trainCurve.Add(sum / train.Count);
            double devLoss = dev == null ? trainCurve[^1] : MeanLoss(kind, param, dev, devGold!, options.BatchSize);
            devCurve.Add(devLoss);
            if (devLoss < bestLoss - options.MinImprovement || bestEpoch == 0)
            {
                bestLoss = Math.Min(bestLoss, devLoss);
                bestEpoch = epoch;
                using (no_grad())
                    best.copy_(param);
            }
            else
            {
                if (epoch - bestEpoch >= options.Patience)
                    break;
                lr *= options.LearningRateDecay;
            }
        }
        foreach (var t in trainGold)
            t.Dispose();
        if (devGold != null)
            foreach (var t in devGold)
                t.Dispose();
        var curve = new ProbeTrainingCurve(trainCurve, devCurve, trainCurve.Count, bestEpoch);
        return new StructuralProbe(kind, best.clone().DetachFromDisposeScope(), curve);
    }

    /// <summary>Mean loss per sentence of this probe on <paramref name="data"/> (the training objective).</summary>
    public double Loss(ParsedRepresentations data, int batchSize = 20)
    {
        data.Validate();
        var gold = GoldTargets(Kind, data);
        try
        {
            return MeanLoss(Kind, _b, data, gold, batchSize);
        }
        finally
        {
            foreach (var t in gold)
                t.Dispose();
        }
    }

    /// <summary>Projected vectors B h [.., rank] of <paramref name="words"/> [.., d_model].</summary>
    public Tensor Transform(Tensor words)
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        return words.to_type(ScalarType.Float32).matmul(_b.t()).MoveToOuterDisposeScope();
    }

    /// <summary>Predicted squared distances [n, n] between the words of one sentence [n, d_model].</summary>
    public float[,] PredictDistances(Tensor words)
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        var t = words.to_type(ScalarType.Float32).matmul(_b.t()).unsqueeze(0);
        var dist = PairwiseSquared(t).squeeze(0).ClampMin(0).contiguous();
        int n = (int)dist.shape[0];
        var flat = dist.data<float>().ToArray();
        var result = new float[n, n];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    /// <summary>Predicted squared norms [n] (depths) of the words of one sentence [n, d_model].</summary>
    public float[] PredictDepths(Tensor words)
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        var t = words.to_type(ScalarType.Float32).matmul(_b.t());
        return t.Square().sum(1).contiguous().data<float>().ToArray();
    }

    /// <inheritdoc/>
    public void Dispose() => _b.Dispose();

    // ---- batched loss -------------------------------------------------------------------------------------------

    private static List<Tensor> GoldTargets(StructuralProbeKind kind, ParsedRepresentations data)
    {
        var list = new List<Tensor>(data.Count);
        foreach (var heads in data.Heads)
        {
            int n = heads.Length;
            if (kind == StructuralProbeKind.Distance)
            {
                var dist = DependencyTree.Distances(heads);
                var flat = new float[n * n];
                for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    flat[i * n + j] = dist[i, j];
                list.Add(tensor(flat, new long[] { n, n }).DetachFromDisposeScope());
            }
            else
            {
                var depth = DependencyTree.Depths(heads).Select(v => (float)v).ToArray();
                list.Add(tensor(depth, new long[] { n }).DetachFromDisposeScope());
            }
        }
        return list;
    }

    private static double MeanLoss(
        StructuralProbeKind kind,
        Tensor b,
        ParsedRepresentations data,
        List<Tensor> gold,
        int batchSize
    )
    {
        double sum = 0;
        using var ng = no_grad();
        for (int start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var idx = Enumerable.Range(start, Math.Min(batchSize, data.Count - start)).ToArray();
            sum += BatchLoss(kind, b, data, gold, idx).item<float>() * idx.Length;
        }
        return sum / data.Count;
    }

    /// <summary>Mean over the batch of the per-sentence normalised L1 loss; all tensors live in the caller's scope.</summary>
    private static Tensor BatchLoss(
        StructuralProbeKind kind,
        Tensor b,
        ParsedRepresentations data,
        List<Tensor> gold,
        int[] idx
    )
    {
        int batch = idx.Length,
            d = (int)b.shape[1];
        int maxLen = idx.Max(i => (int)data.Words[i].shape[0]);
        var x = zeros(batch, maxLen, d);
        var lengths = new long[batch];
        Tensor y = kind == StructuralProbeKind.Distance ? zeros(batch, maxLen, maxLen) : zeros(batch, maxLen);
        for (int k = 0; k < batch; k++)
        {
            int n = (int)data.Words[idx[k]].shape[0];
            lengths[k] = n;
            x[k].narrow(0, 0, n).copy_(data.Words[idx[k]]);
            var yk = y[k].narrow(0, 0, n);
            if (kind == StructuralProbeKind.Distance)
                yk = yk.narrow(1, 0, n);
            yk.copy_(gold[idx[k]]);
        }
        var len = tensor(lengths).to_type(ScalarType.Float32);
        var mask = (ScalarMath.Arange(maxLen).unsqueeze(0) < tensor(lengths).unsqueeze(1)).to_type(ScalarType.Float32); // [b, L]
        var t = x.matmul(b.t()); // [b, L, r]
        if (kind == StructuralProbeKind.Distance)
        {
            var pairMask = mask.unsqueeze(2) * mask.unsqueeze(1);
            var err = (PairwiseSquared(t) - y).abs() * pairMask;
            return (err.sum(new long[] { 1, 2 }) / len.Square()).mean();
        }
        var depthErr = (t.Square().sum(2) - y).abs() * mask;
        return (depthErr.sum(1) / len).mean();
    }

    /// <summary>||t_i - t_j||² for t [b, n, r] as |t_i|² + |t_j|² - 2 t_i·t_j (one batched matrix product).</summary>
    private static Tensor PairwiseSquared(Tensor t)
    {
        var sq = t.Square().sum(2);
        return sq.unsqueeze(2).Plus(sq.unsqueeze(1)) - t.bmm(t.transpose(1, 2)).MulScalar(2L);
    }
}
