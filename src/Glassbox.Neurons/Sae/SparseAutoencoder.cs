using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>
/// A sparse autoencoder on one hook (Bricken et al. 2023, "Towards Monosemanticity"; the SAELens "standard" SAE):
/// <c>f = ReLU((x − b_dec) W_enc + b_enc)</c>, <c>x̂ = f W_dec + b_dec</c>, where the pre-encoder subtraction of
/// <c>b_dec</c> applies when <see cref="SaeConfig.ApplyBDecToInput"/> is set. Its features can be used as units
/// (<see cref="Glassbox.Neurons.UnitRef"/> with <c>Sae = true</c>; <see cref="SaeFeatures"/> reads them on a text).
/// Tensors live on the CPU in float32; the instance owns them (dispose it).
/// </summary>
public sealed class SparseAutoencoder : IDisposable
{
    /// <summary>The checkpoint's config (SAELens cfg.json fields).</summary>
    public SaeConfig Config { get; internal set; }

    /// <summary>Encoder weights. // [d_in, d_sae]</summary>
    public Tensor WEnc { get; }

    /// <summary>Encoder bias. // [d_sae]</summary>
    public Tensor BEnc { get; }

    /// <summary>Decoder weights, one row per feature (its direction in the hook's space). // [d_sae, d_in]</summary>
    public Tensor WDec { get; }

    /// <summary>Decoder bias, also subtracted from the input before encoding. // [d_in]</summary>
    public Tensor BDec { get; }

    /// <summary>Wraps tensors of the given shapes (taken over; not copied).</summary>
    /// <exception cref="ArgumentException">A shape does not match <paramref name="config"/>.</exception>
    public SparseAutoencoder(SaeConfig config, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec)
    {
        ArgumentNullException.ThrowIfNull(config);
        Check(wEnc, nameof(wEnc), config.DIn, config.DSae);
        Check(bEnc, nameof(bEnc), config.DSae);
        Check(wDec, nameof(wDec), config.DSae, config.DIn);
        Check(bDec, nameof(bDec), config.DIn);
        Config = config;
        (WEnc, BEnc, WDec, BDec) = (
            wEnc.DetachFromDisposeScope(),
            bEnc.DetachFromDisposeScope(),
            wDec.DetachFromDisposeScope(),
            bDec.DetachFromDisposeScope()
        );
    }

    /// <summary>A new SAE initialised as in SAELens: decoder rows drawn uniformly (Kaiming) and scaled to unit norm,
    /// encoder = decoder transpose, both biases zero. Seeded by <see cref="SaeConfig.Seed"/> through its own
    /// generator (no global RNG).</summary>
    public static SparseAutoencoder Create(SaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)(uint)config.Seed);
        double bound = 1 / Math.Sqrt(config.DIn);
        var wDec = rand(new long[] { config.DSae, config.DIn }, generator: g).MulScalar(2 * bound).SubScalar(bound);
        wDec = wDec.div(wDec.norm(1, keepdim: true).ClampMin(1e-8)); // [d_sae, d_in], unit rows
        return new SparseAutoencoder(
            config,
            wDec.t().contiguous().DetachFromDisposeScope(),
            zeros(config.DSae).DetachFromDisposeScope(),
            wDec.DetachFromDisposeScope(),
            zeros(config.DIn).DetachFromDisposeScope()
        );
    }

    /// <summary>Pre-activations <c>(x − b_dec) W_enc + b_enc</c>. // [..., d_in] -> [..., d_sae]</summary>
    public Tensor PreActivations(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var input = x.to_type(ScalarType.Float32);
        if (Config.ApplyBDecToInput)
            input = input - BDec;
        return input.matmul(WEnc).Plus(BEnc);
    }

    /// <summary>Feature activations <c>ReLU((x − b_dec) W_enc + b_enc)</c>. // [..., d_in] -> [..., d_sae]</summary>
    public Tensor Encode(Tensor x) => nn.functional.relu(PreActivations(x));

    /// <summary>Reconstruction from feature activations <c>f W_dec + b_dec</c>. // [..., d_sae] -> [..., d_in]</summary>
    public Tensor Decode(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return features.matmul(WDec).Plus(BDec);
    }

    /// <summary>Encode then decode. // [..., d_in] -> [..., d_in]</summary>
    public Tensor Reconstruct(Tensor x) => Decode(Encode(x));

    /// <summary>Loads and validates a checkpoint folder (cfg.json + sae_weights.safetensors); see
    /// <see cref="SaeCheckpoint.Load"/>.</summary>
    /// <exception cref="ModelFormatException">Any problem with the files, in one line naming file and field.</exception>
    public static SparseAutoencoder Load(string dir) => SaeCheckpoint.Load(dir);

    /// <summary>Writes the checkpoint folder atomically; see <see cref="SaeCheckpoint.Save"/>.</summary>
    public void Save(string dir) => SaeCheckpoint.Save(this, dir);

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        WEnc.Dispose();
        BEnc.Dispose();
        WDec.Dispose();
        BDec.Dispose();
    }

    private static void Check(Tensor t, string name, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (!t.shape.SequenceEqual(shape))
            throw new ArgumentException(
                $"{name} has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", shape)}]",
                name
            );
    }
}
