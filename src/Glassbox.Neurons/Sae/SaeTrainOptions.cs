using System.Globalization;

namespace Glassbox.Neurons.Sae;

/// <summary>How the sparsity penalty keeps the SAE from shrinking features by growing decoder rows.</summary>
public enum SaeSparsityPenalty
{
    /// <summary>L1 of each feature activation times its decoder row's L2 norm (SAELens
    /// <c>scale_sparsity_penalty_by_decoder_norm</c>, Anthropic's April 2024 update); decoder rows are free.</summary>
    DecoderNormWeighted,

    /// <summary>Plain L1 of the feature activations with decoder rows held at unit norm: after every step the rows are
    /// renormalised, and the gradient component parallel to each row is removed first (Bricken et al. 2023).</summary>
    UnitNormDecoder,
}

/// <summary>Options of SAE training. The loss per batch is <c>mean_tokens ||x̂ − x||²</c> (summed over d_in, as
/// SAELens) plus <c>λ · warm-up(step) · mean_tokens Σ_i f_i·w_i</c>, with <c>w_i</c> the decoder row norm or 1 (see
/// <see cref="Penalty"/>).</summary>
/// <param name="ExpansionFactor">d_sae = expansion × d_in.</param>
/// <param name="L1Coefficient">λ, the sparsity coefficient.</param>
/// <param name="Penalty">Decoder-norm-weighted L1, or plain L1 with unit-norm decoder rows.</param>
/// <param name="TiedDecoder">Train with W_dec = W_encᵀ (one matrix); the saved checkpoint still holds both.</param>
/// <param name="LearningRate">Adam learning rate (constant; Adam β = 0.9, 0.999, no weight decay).</param>
/// <param name="BatchSize">Activation vectors (tokens) per step.</param>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="L1WarmupSteps">λ rises linearly from 0 over this many steps (0: full from the start).</param>
/// <param name="Seed">Seed of initialisation, shuffling and resampling.</param>
/// <param name="ResampleEvery">Every this many steps, features that have not fired in the last
/// <see cref="DeadWindow"/> steps are re-initialised toward high-loss inputs (Bricken et al.); 0 turns it off.</param>
/// <param name="DeadWindow">Steps a feature may stay silent before it counts as dead (0: <see cref="ResampleEvery"/>).</param>
/// <param name="NormalizeActivations">Scale inputs so their mean L2 norm is √d_in (SAELens
/// <c>expected_average_only_in</c>); the factor is folded into the saved weights.</param>
/// <param name="ContextSize">Tokens per text when streaming from a model (BOS included).</param>
/// <param name="BufferTokens">Rows of the shuffle buffer when streaming from a model.</param>
public sealed record SaeTrainOptions(
    int ExpansionFactor = 4,
    double L1Coefficient = 2,
    SaeSparsityPenalty Penalty = SaeSparsityPenalty.DecoderNormWeighted,
    bool TiedDecoder = false,
    double LearningRate = 3e-3,
    int BatchSize = 1024,
    int Steps = 2000,
    int L1WarmupSteps = 0,
    int Seed = 0,
    int ResampleEvery = 0,
    int DeadWindow = 0,
    bool NormalizeActivations = true,
    int ContextSize = 128,
    int BufferTokens = 16384
)
{
    /// <summary>Batches read at the start to estimate the normalisation factor.</summary>
    public const int NormalizationBatches = 8;

    /// <summary>Batches of inputs whose losses weight the choice of resampling directions.</summary>
    public const int ResampleBatches = 4;

    /// <summary>The dead-feature window in steps.</summary>
    public int Window => DeadWindow > 0 ? DeadWindow : ResampleEvery;

    /// <summary>Checks every option; messages name the CLI option.</summary>
    /// <exception cref="InputException">An option is out of range or not finite.</exception>
    public void Validate()
    {
        if (ExpansionFactor < 1)
            throw new InputException("--expansion must be at least 1");
        if (!double.IsFinite(L1Coefficient) || L1Coefficient < 0)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--l1 must be a finite number ≥ 0, got {L1Coefficient}")
            );
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
            throw new InputException("--lr must be a finite number > 0");
        if (BatchSize < 1)
            throw new InputException("--batch must be at least 1");
        if (Steps < 1)
            throw new InputException("--steps must be at least 1");
        if (L1WarmupSteps < 0)
            throw new InputException("--l1-warmup must be ≥ 0");
        if (ResampleEvery < 0 || DeadWindow < 0)
            throw new InputException("--resample-every and --dead-window must be ≥ 0");
        if (ContextSize < 2)
            throw new InputException("--context must be at least 2 tokens");
        if (BufferTokens < BatchSize)
            throw new InputException("--buffer must hold at least one batch (≥ --batch)");
    }
}
