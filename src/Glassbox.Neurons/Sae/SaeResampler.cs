using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>Dead-feature resampling (Bricken et al. 2023, "Towards Monosemanticity", neuron resampling): inputs are
/// drawn with probability proportional to the square of their reconstruction loss; each dead feature's decoder row
/// becomes the unit direction of its drawn input (minus <c>b_dec</c>), its encoder column the same direction scaled to
/// 0.2 × the mean encoder-column norm of the live features, and its encoder bias 0. Seeded by its own
/// <see cref="Random"/>.</summary>
/// <param name="seed">Seed of the input draws.</param>
public sealed class SaeResampler(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Re-initialises the features where <paramref name="dead"/> is true; returns how many.</summary>
    /// <param name="sae">The SAE under training (its tensors are updated in place).</param>
    /// <param name="tied">W_dec is W_encᵀ during training (only W_enc is updated).</param>
    /// <param name="dead">Dead features. // [d_sae] bool</param>
    /// <param name="batch">Draws a batch of (normalised) inputs. // -> [batch, d_in]</param>
    public int Resample(SparseAutoencoder sae, bool tied, Tensor dead, Func<Tensor> batch)
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        var deadIdx = dead.nonzero().flatten(); // [n_dead]
        int n = (int)deadIdx.shape[0];
        if (n == 0)
            return 0;
        var inputs = cat(Enumerable.Range(0, SaeTrainOptions.ResampleBatches).Select(_ => batch()).ToArray(), 0); // [m, d_in]
        var wDec = tied ? sae.WEnc.t() : sae.WDec;
        var centred = sae.Config.ApplyBDecToInput ? inputs - sae.BDec : inputs;
        var f = nn.functional.relu(centred.matmul(sae.WEnc).Plus(sae.BEnc)); // [m, d_sae]
        var loss = (f.matmul(wDec).Plus(sae.BDec) - inputs).Square().sum(-1); // [m]
        var weights = loss.Square().to_type(ScalarType.Float64).data<double>().ToArray();
        double total = weights.Sum();
        var chosen = new long[n];
        for (int i = 0; i < n; i++)
            chosen[i] = total > 0 && double.IsFinite(total) ? Draw(weights, total) : _random.Next(weights.Length);
        var dirs = inputs.index_select(0, tensor(chosen)) - sae.BDec; // [n_dead, d_in]
        dirs = dirs.div(dirs.norm(1, keepdim: true).ClampMin(1e-8));
        var alive = dead.logical_not();
        var colNorms = sae.WEnc.norm(0); // [d_sae]
        double aliveNorm = alive.any().item<bool>() ? colNorms.masked_select(alive).mean().item<float>() : 1.0;
        var enc = dirs.MulScalar(0.2 * aliveNorm); // [n_dead, d_in]
        if (tied)
        {
            // One matrix: the direction itself, at unit norm, is both the encoder column and the decoder row.
            sae.WEnc.index_copy_(1, deadIdx, dirs.t());
        }
        else
        {
            sae.WDec.index_copy_(0, deadIdx, dirs);
            sae.WEnc.index_copy_(1, deadIdx, enc.t());
        }
        using var zero = 0.0.ToScalar();
        sae.BEnc.index_fill_(0, deadIdx, zero);
        return n;
    }

    private long Draw(double[] weights, double total)
    {
        double u = _random.NextDouble() * total,
            acc = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            acc += weights[i];
            if (u < acc)
                return i;
        }
        return weights.Length - 1;
    }
}
