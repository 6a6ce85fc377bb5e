using Glassbox.Statistics;

namespace Glassbox.Attribution;

/// <summary>Options of <see cref="AmplifyPrompts"/> and <see cref="AmplifyEvaluation"/>.</summary>
public sealed record AmplifyOptions
{
    /// <summary>Few-shot examples, split evenly over the classes (highest misclassification confidence first).
    /// Default 8.</summary>
    public int Shots { get; init; } = 8;

    /// <summary>Top-attributed words turned into each rationale. Default 5.</summary>
    public int RationaleWords { get; init; } = 5;

    /// <summary>Integrated-gradients steps of the proxy's attributions. Default 16.</summary>
    public int Steps { get; init; } = 16;

    /// <summary>Tokens per text for the proxy. Default 64.</summary>
    public int MaxLength { get; init; } = 64;

    /// <summary>Bootstrap resamples of the accuracies. Default 1000.</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Seed of the bootstraps.</summary>
    public int Seed { get; init; }

    internal void Validate()
    {
        if (Shots < 1)
            throw new InputException("--shots must be at least 1");
        if (RationaleWords < 1)
            throw new InputException("--words must be at least 1");
        if (Steps < 2)
            throw new InputException("--steps must be at least 2");
        if (MaxLength < 3)
            throw new InputException("--max-length must be at least 3");
        if (Resamples < 0)
            throw new InputException("--resamples must be 0 or more");
    }
}

/// <summary>A few-shot example chosen by AMPLIFY.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">Its gold label.</param>
/// <param name="Mcs">The proxy's misclassification confidence: P(best wrong class) − P(gold class), in [−1, 1]; the
/// higher, the more confidently the proxy gets it wrong.</param>
/// <param name="KeyWords">The words with the largest attribution towards the gold class.</param>
/// <param name="Rationale">The rationale sentence built from them.</param>
public sealed record AmplifyShot(
    string Text,
    string Label,
    double Mcs,
    IReadOnlyList<string> KeyWords,
    string Rationale
);

/// <summary>One prompt for one task input.</summary>
/// <param name="Index">Task input index.</param>
/// <param name="Variant">"rationales" (AMPLIFY) or "plain" (the same shots without rationales).</param>
/// <param name="Gold">The input's gold label.</param>
/// <param name="System">System prompt.</param>
/// <param name="User">User prompt.</param>
public sealed record AmplifyPrompt(int Index, string Variant, string Gold, string System, string User);

/// <summary>One answered prompt.</summary>
/// <param name="Index">Task input index.</param>
/// <param name="Variant">"rationales" or "plain".</param>
/// <param name="Gold">Gold label.</param>
/// <param name="Predicted">The label read from the reply (null: unreadable).</param>
public sealed record AmplifyAnswer(int Index, string Variant, string Gold, string? Predicted);

/// <summary>Result of an AMPLIFY evaluation: accuracy with and without rationales on the same inputs and shots.</summary>
/// <param name="Shots">The few-shot examples.</param>
/// <param name="Tasks">Task inputs.</param>
/// <param name="WithRationales">Accuracy with rationales (unreadable replies count as wrong).</param>
/// <param name="WithoutRationales">Accuracy of the same prompt without them.</param>
/// <param name="Difference">Paired difference (with − without) with a bootstrap interval over inputs.</param>
/// <param name="Unreadable">Replies from which no label could be read, per variant.</param>
/// <param name="Calls">LLM calls made (cache hits excluded).</param>
/// <param name="CacheHits">Prompts answered from the reply cache (a rerun resumes for free).</param>
/// <param name="Answers">Every answer.</param>
public sealed record AmplifyResult(
    IReadOnlyList<AmplifyShot> Shots,
    int Tasks,
    Interval WithRationales,
    Interval WithoutRationales,
    Interval Difference,
    IReadOnlyDictionary<string, int> Unreadable,
    int Calls,
    int CacheHits,
    IReadOnlyList<AmplifyAnswer> Answers
);
