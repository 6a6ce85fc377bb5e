using Glassbox.Classification;
using Glassbox.Statistics;

namespace Glassbox.Attribution;

/// <summary>How token attributions are computed for shortcut mining.</summary>
public enum ShortcutMethod
{
    /// <summary>Gradient × input at the token embeddings: one forward and backward per text.</summary>
    GradientTimesInput,

    /// <summary>Integrated gradients (zero baseline, Gauss-Legendre) with <see cref="ShortcutOptions.Steps"/> steps.</summary>
    IntegratedGradients,
}

/// <summary>Options of <see cref="ShortcutMiner.Mine"/>.</summary>
public sealed record ShortcutOptions
{
    /// <summary>Attribution method. Default integrated gradients: gradient × input at the token embeddings is close to
    /// 0 for every token of a model whose embeddings go through a LayerNorm (its scale invariance makes the gradient
    /// nearly orthogonal to the input), and it missed a planted trigger that integrated gradients ranks first.</summary>
    public ShortcutMethod Method { get; init; } = ShortcutMethod.IntegratedGradients;

    /// <summary>Integration steps of integrated gradients. Default 16.</summary>
    public int Steps { get; init; } = 16;

    /// <summary>Tokens must occur at least this often to be ranked (a per-occurrence mean of rare tokens is noise).
    /// Default 5.</summary>
    public int MinCount { get; init; } = 5;

    /// <summary>Tokens listed. Default 20.</summary>
    public int Top { get; init; } = 20;

    /// <summary>Tokens per text (longer texts are cut). Default 64.</summary>
    public int MaxLength { get; init; } = 64;

    /// <summary>Bootstrap resamples of each listed token's mean attribution. Default 1000.</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Seed of the bootstraps.</summary>
    public int Seed { get; init; }

    /// <summary>Progress (texts done, total).</summary>
    public Action<int, int>? Progress { get; init; }

    internal void Validate()
    {
        if (Steps < 2)
            throw new InputException("--steps must be at least 2");
        if (MinCount < 1)
            throw new InputException("--min-count must be at least 1");
        if (Top < 1)
            throw new InputException("--top must be at least 1");
        if (MaxLength < 3)
            throw new InputException("--max-length must be at least 3");
        if (Resamples < 0)
            throw new InputException("--resamples must be 0 or more");
    }
}

/// <summary>A token the model relies on, aggregated over a data set (Du et al. 2021).</summary>
/// <param name="Rank">1-based rank by <paramref name="MeanAttribution"/>.</param>
/// <param name="Token">The token (lower-cased; subwords as the tokenizer writes them).</param>
/// <param name="Count">Occurrences.</param>
/// <param name="Texts">Texts containing it.</param>
/// <param name="MeanAttribution">Mean attribution per occurrence toward the text's gold class (frequency-normalised),
/// with a bootstrap interval over occurrences.</param>
/// <param name="TotalAttribution">Sum over occurrences (attribution mass).</param>
/// <param name="SkewLabel">The class most over-represented among texts containing the token.</param>
/// <param name="LabelSkew">P(class | token) − P(class) for <paramref name="SkewLabel"/>: 0 for a token spread like the
/// labels, up to 1 − P(class) for a token seen only with that class.</param>
/// <param name="Lmi">Local mutual information p(token, class) · log(p(class | token) / p(class)) for that class.</param>
public sealed record TokenShortcut(
    int Rank,
    string Token,
    int Count,
    int Texts,
    Interval MeanAttribution,
    double TotalAttribution,
    string SkewLabel,
    double LabelSkew,
    double Lmi
);

/// <summary>The counter-set check of a suspected shortcut.</summary>
/// <param name="Trigger">The trigger word.</param>
/// <param name="TriggerLabel">The class it is suspected to push towards.</param>
/// <param name="Without">Accuracy on the texts of the other classes as they are.</param>
/// <param name="With">Accuracy on the same texts with the trigger put first (the counter-set).</param>
/// <param name="ToTriggerLabel">Fraction of counter-set texts predicted as <paramref name="TriggerLabel"/>.</param>
public sealed record CounterSetCheck(
    string Trigger,
    string TriggerLabel,
    ClassifierEvalResult Without,
    ClassifierEvalResult With,
    double ToTriggerLabel
);

/// <summary>Result of <see cref="ShortcutMiner.Mine"/>.</summary>
/// <param name="Data">Where the texts came from.</param>
/// <param name="Texts">Texts attributed.</param>
/// <param name="Method">Attribution method.</param>
/// <param name="Target">What was attributed: each text's gold-class logit minus the mean of the other logits.</param>
/// <param name="MeanRelativeCompletenessError">Mean |Σ attributions − (f(x) − f(baseline))| / |f(x) − f(baseline)|
/// over texts: about 0 for integrated gradients, not a property gradient × input has.</param>
/// <param name="DistinctTokens">Token types seen.</param>
/// <param name="Ranked">Token types with at least the minimum count.</param>
/// <param name="Tokens">The top tokens.</param>
/// <param name="Counter">The counter-set check, when a trigger was given.</param>
/// <param name="TriggerRank">The trigger's rank among the ranked tokens (null: no trigger, or it is not ranked).</param>
public sealed record ShortcutResult(
    string Data,
    int Texts,
    string Method,
    string Target,
    double MeanRelativeCompletenessError,
    int DistinctTokens,
    int Ranked,
    IReadOnlyList<TokenShortcut> Tokens,
    CounterSetCheck? Counter,
    int? TriggerRank
);
