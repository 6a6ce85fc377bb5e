using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>
/// Greedy Gaussian probe selection (Torroba Hennigen, Williams &amp; Cotterell 2020): a class-conditional Gaussian
/// classifier (full covariance per class, shrunk toward the pooled covariance) is fitted on a seeded 80% of the
/// training rows; at each step the unit that most raises the mean held-out log p(label | selected units) joins.
/// Own code: no .NET library does greedy Gaussian selection; all candidates of a step are scored at once by batched
/// Cholesky factors (exact, not approximated). Candidates are the 512 units with the highest probeless score (all
/// units when fewer), which bounds the covariance memory; the units not selected follow in probeless order.
/// </summary>
public static class GaussianSelection
{
    /// <summary>Units considered for selection at most.</summary>
    public const int CandidatePool = 512;

    private const int Chunk = 64;

    /// <summary>Scores (held-out log-likelihood gain when picked; NaN for units not picked), best classes, note, order.</summary>
    public static (double[] Scores, int[] Best, string Note, int[]? Order) Rank(LabelledUnits data, RankingOptions o)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (pScores, best, _) = UnitStatistics.Probeless(data.Train, data.TrainLabels, data.Classes.Count);
        var byProbeless = UnitRanker.OrderBy(pScores);
        var pool = byProbeless.Take(CandidatePool).ToArray();
        int classes = data.Classes.Count;
        var rng = new Random(o.Seed);
        var rows = Enumerable.Range(0, data.TrainLabels.Length).OrderBy(_ => rng.Next()).Take(o.GaussianRows).ToArray();
        int nFit = Math.Max(1, (int)(rows.Length * 0.8));
        if (rows.Length - nFit < 1)
            throw new InputException("Gaussian selection needs at least two training rows");
        using var scope = NewDisposeScope();
        using var poolIdx = tensor(pool.Select(p => (long)p).ToArray());
        var x = data.Train.index_select(1, poolIdx).to(ScalarType.Float64); // [n, pool]
        var fitX = x.index_select(0, tensor(rows[..nFit].Select(r => (long)r).ToArray())); // [nFit, pool]
        var heldX = x.index_select(0, tensor(rows[nFit..].Select(r => (long)r).ToArray())); // [nHeld, pool]
        var fitY = rows[..nFit].Select(r => data.TrainLabels[r]).ToArray();
        var heldY = tensor(rows[nFit..].Select(r => (long)data.TrainLabels[r]).ToArray());
        var (logPrior, means, cov) = Fit(fitX, fitY, classes);
        var selected = new List<int>();
        var scores = Enumerable.Repeat(double.NaN, data.Units).ToArray();
        double previous = Math.Log(1.0 / classes);
        int steps = Math.Min(o.GaussianSteps, pool.Length);
        for (int step = 0; step < steps; step++)
        {
            var candidates = Enumerable.Range(0, pool.Length).Where(j => !selected.Contains(j)).ToArray();
            double bestLl = double.NegativeInfinity;
            int bestJ = -1;
            for (int start = 0; start < candidates.Length; start += Chunk)
            {
                using var inner = NewDisposeScope();
                var chunk = candidates.Skip(start).Take(Chunk).ToArray();
                var ll = HeldOutLogLikelihood(selected, chunk, logPrior, means, cov, heldX, heldY);
                for (int i = 0; i < chunk.Length; i++)
                    if (ll[i] > bestLl)
                        (bestLl, bestJ) = (ll[i], chunk[i]);
            }
            selected.Add(bestJ);
            scores[pool[bestJ]] = bestLl - previous;
            previous = bestLl;
        }
        var picked = selected.Select(j => pool[j]).ToArray();
        var order = picked.Concat(byProbeless.Where(u => !picked.Contains(u))).ToArray();
        string note = string.Create(
            CultureInfo.InvariantCulture,
            $"{steps} units picked greedily from the top {pool.Length} by probeless score; held-out mean log p(label) {previous:F3} (uniform {Math.Log(1.0 / classes):F3})"
        );
        return (scores, best, note, order);
    }

    /// <summary>Log priors [classes], means [classes, d] and shrunk covariances [classes, d, d] of the fit rows.</summary>
    private static (Tensor LogPrior, Tensor Means, Tensor Cov) Fit(Tensor x, int[] y, int classes)
    {
        long d = x.shape[1];
        var onehot = UnitStatistics.OneHot(y, classes); // [n, classes]
        var counts = onehot.sum(0L, false); // [classes]
        var logPrior = counts.AddScalar(1).DivScalar(y.Length + classes).log();
        var means = onehot.t().matmul(x) / counts.ClampMin(1).unsqueeze(1); // [classes, d]
        var pooledCentered = x - onehot.matmul(means);
        var pooled = pooledCentered.t().matmul(pooledCentered).DivScalar(Math.Max(1, y.Length - 1)); // [d, d]
        var ridge = eye(d, dtype: ScalarType.Float64) * pooled.diagonal().mean().MulScalar(1e-3).AddScalar(1e-8); // [d, d]
        var covs = new List<Tensor>();
        var counted = counts.data<double>().ToArray();
        for (int c = 0; c < classes; c++)
        {
            var rows = nonzero(onehot[.., c]).squeeze(1);
            Tensor own = zeros(d, d, dtype: ScalarType.Float64);
            if (counted[c] > 1)
            {
                var xc = x.index_select(0, rows) - means[c].unsqueeze(0);
                own = xc.t().matmul(xc).DivScalar(counted[c] - 1);
            }
            // Shrink toward the pooled covariance with weight κ/(n_c + κ), κ = 10 rows' worth.
            double a = 10.0 / (counted[c] + 10.0);
            covs.Add(own.MulScalar(1 - a).Plus(pooled.MulScalar(a)).Plus(ridge));
        }
        return (logPrior, means, stack(covs));
    }

    /// <summary>Mean held-out log p(y | selected + j) for each candidate j of <paramref name="chunk"/>.</summary>
    private static double[] HeldOutLogLikelihood(
        List<int> selected,
        int[] chunk,
        Tensor logPrior,
        Tensor means,
        Tensor cov,
        Tensor heldX,
        Tensor heldY
    )
    {
        long classes = means.shape[0],
            d = means.shape[1],
            n = heldX.shape[0];
        int k = selected.Count + 1,
            j = chunk.Length;
        var idx = tensor(chunk.SelectMany(c => selected.Append(c)).Select(v => (long)v).ToArray()).view(j, k);
        var flat = idx.unsqueeze(2).MulScalar(d).Plus(idx.unsqueeze(1)).view(-1);
        var sub = cov.view(classes, d * d).index_select(1, flat).view(classes, j, k, k);
        var mu = means.index_select(1, idx.view(-1)).view(classes, j, k);
        var xs = heldX.index_select(1, idx.view(-1)).view(n, j, k);
        var diff = (xs.unsqueeze(0) - mu.unsqueeze(1)).permute(0, 2, 3, 1); // [classes, j, k, n]
        var l = linalg.cholesky(sub); // [classes, j, k, k]
        var z = linalg.solve_triangular(l, diff, upper: false); // [classes, j, k, n]
        var maha = z.Square().sum(2L, false); // [classes, j, n]
        var logDet = l.diagonal(0, -2, -1).log().sum(-1L, false).MulScalar(2); // [classes, j]
        var logJoint = maha.Plus(logDet.unsqueeze(2))
            .AddScalar(k * Math.Log(2 * Math.PI))
            .MulScalar(-0.5)
            .Plus(logPrior.view(classes, 1, 1)); // [classes, j, n]
        var logPost = logJoint - logJoint.logsumexp(0, true); // [classes, j, n]
        var picked = logPost.permute(1, 2, 0).gather(2, heldY.view(1, n, 1).expand(j, n, 1)).squeeze(2); // [j, n]
        return picked.mean([1]).data<double>().ToArray();
    }
}
