using System.Globalization;
using Glassbox.Models;

namespace Glassbox.Training;

/// <summary>Architecture and optimisation settings of <see cref="Trainer"/>: a small GPT-style decoder (learned
/// positions, optional LayerNorm, optional MLP) trained with AdamW, linear warm-up then cosine decay, weight decay
/// and gradient clipping. Immutable; <see cref="Validate"/> names the first bad field.</summary>
public sealed record TrainOptions
{
    /// <summary>Number of blocks (1-4).</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Residual width.</summary>
    public int DModel { get; init; } = 64;

    /// <summary>Attention heads per block.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Head width; 0 means <see cref="DModel"/> / <see cref="Heads"/>.</summary>
    public int DHead { get; init; }

    /// <summary>MLP width; 0 means 4 × <see cref="DModel"/>. Ignored when <see cref="AttnOnly"/>.</summary>
    public int DMlp { get; init; }

    /// <summary>Attention-only blocks (no MLP).</summary>
    public bool AttnOnly { get; init; }

    /// <summary>LayerNorm before each sublayer and before the unembedding; false gives a norm-free model.</summary>
    public bool LayerNorm { get; init; } = true;

    /// <summary>Context length (training sequence length).</summary>
    public int NCtx { get; init; } = 128;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Final learning rate of the cosine decay, as a fraction of the peak.</summary>
    public double MinLrFraction { get; init; } = 0.1;

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW decoupled weight decay (applied to matrices only, not to biases or norm weights).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>AdamW β1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β2.</summary>
    public double Beta2 { get; init; } = 0.99;

    /// <summary>AdamW ε.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Global gradient-norm clipping threshold; 0 disables clipping.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Optimisation steps.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Seed of the initial weights, the data stream and libtorch.</summary>
    public long Seed { get; init; }

    /// <summary>Steps after which a checkpoint is exported (0 = the initial weights); the final model is always saved.</summary>
    public IReadOnlyList<int> CheckpointSteps { get; init; } = Array.Empty<int>();

    /// <summary>libtorch threads; null leaves the current setting.</summary>
    public int? Threads { get; init; }

    /// <summary>Effective head width.</summary>
    public int HeadDim => DHead > 0 ? DHead : DModel / Math.Max(1, Heads);

    /// <summary>Effective MLP width (0 when attention-only).</summary>
    public int MlpDim =>
        AttnOnly ? 0
        : DMlp > 0 ? DMlp
        : 4 * DModel;

    /// <summary>Checks the options; throws <see cref="InputException"/> naming the option.</summary>
    public TrainOptions Validate()
    {
        void Need(bool ok, string option, object value, string want)
        {
            if (!ok)
                throw new InputException($"{option} must be {want}, got {value}");
        }
        Need(Layers is >= 1 and <= 4, "--layers", Layers, "between 1 and 4");
        Need(DModel >= 1, "--d-model", DModel, "at least 1");
        Need(Heads >= 1, "--heads", Heads, "at least 1");
        Need(
            DHead > 0 || DModel % Heads == 0,
            "--d-head",
            DHead,
            string.Create(
                CultureInfo.InvariantCulture,
                $"given when --d-model ({DModel}) is not a multiple of --heads ({Heads})"
            )
        );
        Need(DHead >= 0, "--d-head", DHead, "at least 0");
        Need(DMlp >= 0, "--d-mlp", DMlp, "at least 0");
        Need(NCtx >= 4, "--ctx", NCtx, "at least 4");
        Need(LearningRate > 0 && double.IsFinite(LearningRate), "--lr", LearningRate, "positive");
        Need(MinLrFraction is >= 0 and <= 1, "--min-lr-fraction", MinLrFraction, "between 0 and 1");
        Need(WarmupSteps >= 0, "--warmup", WarmupSteps, "at least 0");
        Need(WeightDecay >= 0, "--weight-decay", WeightDecay, "at least 0");
        Need(Beta1 is >= 0 and < 1, "beta1", Beta1, "in [0, 1)");
        Need(Beta2 is >= 0 and < 1, "beta2", Beta2, "in [0, 1)");
        Need(GradClip >= 0, "--grad-clip", GradClip, "at least 0");
        Need(BatchSize >= 1, "--batch", BatchSize, "at least 1");
        Need(Steps >= 1, "--steps", Steps, "at least 1");
        Need(Threads is null or >= 1, "--threads", Threads ?? 0, "at least 1");
        foreach (var s in CheckpointSteps)
            Need(
                s >= 0 && s <= Steps,
                "--checkpoints",
                s,
                string.Create(CultureInfo.InvariantCulture, $"steps between 0 and --steps ({Steps})")
            );
        return this;
    }

    /// <summary>The model config for a vocabulary of <paramref name="vocab"/> tokens with BOS id <paramref name="bos"/>.</summary>
    public ModelConfig ModelConfig(int vocab, int? bos) =>
        new ModelConfig
        {
            Architecture = "glassbox",
            DModel = DModel,
            NLayers = Layers,
            NHeads = Heads,
            DHead = HeadDim,
            DMlp = MlpDim,
            AttnOnly = AttnOnly,
            DVocab = vocab,
            NCtx = NCtx,
            Norm = LayerNorm ? NormKind.LayerNorm : NormKind.None,
            Positions = PositionKind.Learned,
            Activation = ActivationKind.Gelu,
            AttnQkvBias = true,
            AttnOutBias = true,
            MlpBias = true,
            TiedEmbeddings = false,
            BosTokenId = bos,
        }.Validate();
}
