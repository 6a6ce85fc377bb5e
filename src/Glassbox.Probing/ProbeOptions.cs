namespace Glassbox.Probing;

/// <summary>Probe architecture.</summary>
public enum ProbeKind
{
    /// <summary>Multinomial logistic regression.</summary>
    Linear,

    /// <summary>One hidden layer (ReLU, dropout) then softmax.</summary>
    Mlp,
}

/// <summary>Options of a classifier probe. Features are standardised on the training split.</summary>
public sealed record ProbeOptions
{
    /// <summary>Architecture.</summary>
    public ProbeKind Kind { get; init; } = ProbeKind.Linear;

    /// <summary>L2 penalty λ (on weights, not biases), added as λ·‖W‖² to the mean cross-entropy.</summary>
    public double L2 { get; init; } = 1e-4;

    /// <summary>L1 penalty (elastic net when both are set); linear probes only. Trained by proximal Adam.</summary>
    public double L1 { get; init; }

    /// <summary>Maximum L-BFGS iterations (linear, L2 only) or epochs (MLP / elastic net).</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>MLP hidden width.</summary>
    public int Hidden { get; init; } = 256;

    /// <summary>MLP dropout.</summary>
    public double Dropout { get; init; } = 0.2;

    /// <summary>AdamW weight decay (MLP).</summary>
    public double WeightDecay { get; init; } = 1e-2;

    /// <summary>Adam learning rate (MLP / elastic net).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Minibatch size (MLP).</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Fraction of the training rows held out for early stopping.</summary>
    public double DevFraction { get; init; } = 0.1;

    /// <summary>Checks without dev improvement before stopping (a check is 10 L-BFGS iterations or one epoch).</summary>
    public int Patience { get; init; } = 3;

    /// <summary>Seed (initialisation, dev split, minibatches, dropout).</summary>
    public long Seed { get; init; }
}
