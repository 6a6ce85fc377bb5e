using System.Globalization;

namespace Glassbox.Classification;

/// <summary>Options of <see cref="ClassifierTrainer"/>. The defaults are those of Hugging Face fine-tuning scripts
/// for BERT on GLUE (AdamW, lr 5e-5 for full fine-tuning, 10% warm-up, weight decay 0.01, clip 1).</summary>
public sealed record ClassifierTrainOptions
{
    /// <summary>Train only the head; the encoder runs without gradients.</summary>
    public bool FreezeEncoder { get; init; }

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Peak learning rate (warm-up, then cosine decay to 0).</summary>
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>Texts per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Tokens per text (longer texts are cut, keeping [SEP]).</summary>
    public int MaxLength { get; init; } = 64;

    /// <summary>Seed of the data order and of dropout.</summary>
    public long Seed { get; init; }

    /// <summary>Fraction of the steps spent warming up.</summary>
    public double WarmupFraction { get; init; } = 0.1;

    /// <summary>Decoupled weight decay (matrices and embeddings only).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Global gradient-norm clip (0 = none).</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Write a resumable checkpoint every this many steps (0 = only at the end).</summary>
    public int CheckpointEvery { get; init; } = 50;

    /// <summary>The objective's description when it is not plain cross-entropy (set by the trainer from its
    /// <see cref="ClassifierObjective"/>); part of <see cref="Describe"/>, so a resume must use the same one.</summary>
    public string? Objective { get; init; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="InputException">The first bad field, named as its CLI option.</exception>
    public ClassifierTrainOptions Validate()
    {
        if (Epochs < 1)
            throw Bad("--epochs", Epochs, "at least 1");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw Bad("--lr", LearningRate, "a positive number");
        if (BatchSize < 1)
            throw Bad("--batch", BatchSize, "at least 1");
        if (MaxLength < 2)
            throw Bad("--max-length", MaxLength, "at least 2");
        if (WarmupFraction is < 0 or >= 1)
            throw Bad("warm-up fraction", WarmupFraction, "in [0, 1)");
        if (WeightDecay < 0 || !double.IsFinite(WeightDecay))
            throw Bad("weight decay", WeightDecay, "non-negative");
        if (GradClip < 0 || !double.IsFinite(GradClip))
            throw Bad("gradient clip", GradClip, "non-negative");
        if (CheckpointEvery < 0)
            throw Bad("--checkpoint-every", CheckpointEvery, "0 or more");
        return this;
    }

    /// <summary>Every option as text, for manifests and for checking that a resumed run uses the same options.</summary>
    public IReadOnlyDictionary<string, string> Describe()
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["freezeEncoder"] = FreezeEncoder ? "true" : "false",
            ["epochs"] = Epochs.ToString(CultureInfo.InvariantCulture),
            ["lr"] = LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["batch"] = BatchSize.ToString(CultureInfo.InvariantCulture),
            ["maxLength"] = MaxLength.ToString(CultureInfo.InvariantCulture),
            ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            ["warmupFraction"] = WarmupFraction.ToString("R", CultureInfo.InvariantCulture),
            ["weightDecay"] = WeightDecay.ToString("R", CultureInfo.InvariantCulture),
            ["gradClip"] = GradClip.ToString("R", CultureInfo.InvariantCulture),
        };
        if (Objective is not null)
            d["objective"] = Objective;
        return d;
    }

    private static InputException Bad(string name, double value, string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{name} must be {what}, got {value}"));
}
