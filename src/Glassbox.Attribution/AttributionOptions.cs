namespace Glassbox.Attribution;

/// <summary>Options of the gradient-path attributions (integrated gradients, layer integrated gradients).</summary>
public sealed record AttributionOptions
{
    /// <summary>Integration points (Captum's n_steps); 50 by default.</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Integration rule; Gauss-Legendre by default (Captum's default).</summary>
    public IntegrationRule Rule { get; init; } = IntegrationRule.GaussLegendre;

    /// <summary>Baseline in embedding space.</summary>
    public BaselineKind Baseline { get; init; } = BaselineKind.Zero;

    /// <summary>Interpolation points per forward/backward (Captum's internal_batch_size); 1 runs one point at a time.</summary>
    public int InternalBatchSize { get; init; } = 50;

    /// <summary>Keep the embeddings of the tokenizer's special tokens (BOS/[CLS], EOS/[SEP]) in the baseline, so
    /// they get zero attribution (true by default).</summary>
    public bool KeepSpecialTokens { get; init; } = true;

    /// <summary>Optional status callback (called once per sequence).</summary>
    public Action<string>? Status { get; init; }

    /// <summary>The defaults.</summary>
    public static AttributionOptions Default { get; } = new();
}
