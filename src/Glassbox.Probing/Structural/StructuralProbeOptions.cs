using System.Globalization;

namespace Glassbox.Probing.Structural;

/// <summary>Training options of a <see cref="StructuralProbe"/>; the defaults follow Hewitt &amp; Manning (2019).</summary>
public sealed record StructuralProbeOptions
{
    /// <summary>Largest allowed probe rank.</summary>
    public const int MaxRank = 1024;

    /// <summary>Rank of the projection B [rank, d_model]; null = d_model (capped at <see cref="MaxRank"/>).</summary>
    public int? Rank { get; init; }

    /// <summary>Maximum number of passes over the training sentences.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Sentences per batch (padded and masked).</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Factor applied to the learning rate after each epoch whose dev loss does not improve (1 = never).</summary>
    public double LearningRateDecay { get; init; } = 0.1;

    /// <summary>Stop after this many consecutive epochs without dev-loss improvement; the best epoch's B is kept.</summary>
    public int Patience { get; init; } = 4;

    /// <summary>A dev loss counts as an improvement when it is at least this much below the best so far.</summary>
    public double MinImprovement { get; init; } = 1e-4;

    /// <summary>Seed of the initialisation, the batch order and the bootstrap.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Bootstrap resamples (over sentences) for the 95% intervals.</summary>
    public int BootstrapResamples { get; init; } = 1000;

    /// <summary>The rank used for representations of width <paramref name="dModel"/>.</summary>
    public int ResolveRank(int dModel) => Math.Min(Rank ?? dModel, MaxRank);

    /// <summary>Throws <see cref="GlassboxException"/> for an out-of-range option.</summary>
    public void Validate()
    {
        if (Rank is < 1 or > MaxRank)
            throw new GlassboxException(
                string.Create(CultureInfo.InvariantCulture, $"structural probe: Rank {Rank} outside 1..{MaxRank}")
            );
        if (Epochs < 1)
            throw new GlassboxException(
                string.Create(CultureInfo.InvariantCulture, $"structural probe: Epochs {Epochs} must be at least 1")
            );
        if (BatchSize < 1)
            throw new GlassboxException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"structural probe: BatchSize {BatchSize} must be at least 1"
                )
            );
        if (!(LearningRate > 0))
            throw new GlassboxException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"structural probe: LearningRate {LearningRate} must be positive"
                )
            );
        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1))
            throw new GlassboxException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"structural probe: LearningRateDecay {LearningRateDecay} outside (0, 1]"
                )
            );
        if (Patience < 1)
            throw new GlassboxException(
                string.Create(CultureInfo.InvariantCulture, $"structural probe: Patience {Patience} must be at least 1")
            );
        if (BootstrapResamples < 0)
            throw new GlassboxException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"structural probe: BootstrapResamples {BootstrapResamples} is negative"
                )
            );
    }
}
