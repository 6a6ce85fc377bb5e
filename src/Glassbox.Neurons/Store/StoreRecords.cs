namespace Glassbox.Neurons.Store;

/// <summary>Settings of a harvest. Every field except <see cref="BatchSize"/> is written to the store's manifest; a
/// resumed harvest must use the same values (the batch size only groups documents for the forward pass).</summary>
public sealed record HarvestOptions
{
    /// <summary>Comma-separated hook globs (<c>*</c>, <c>?</c>) over the model's hook names; each selected hook must be
    /// shaped [batch, pos, units]. Null: every layer's <c>mlp.hook_post</c>.</summary>
    public string? Hooks { get; init; }

    /// <summary>Excerpts kept per unit (its top-k documents by their maximum activation). Default 20.</summary>
    public int TopK { get; init; } = 20;

    /// <summary>Tokens kept before the maximum token in an excerpt. Default 32.</summary>
    public int WindowBefore { get; init; } = 32;

    /// <summary>Tokens kept after the maximum token in an excerpt. Default 8.</summary>
    public int WindowAfter { get; init; } = 8;

    /// <summary>Documents per shard (the unit of commit and resume). Default 100.</summary>
    public int ShardDocuments { get; init; } = 100;

    /// <summary>Documents harvested (the first N of the corpus); null: all.</summary>
    public long? MaxDocuments { get; init; }

    /// <summary>Documents per forward pass (documents of similar length are batched together). Default 1: on the
    /// 2-core reference machine a batch of 8 took more CPU time and 3× the memory (docs/neurons.md).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Equal-width histogram bins between each unit's calibration minimum and maximum. Default 32.</summary>
    public int Bins { get; init; } = 32;

    /// <summary>Documents of the calibration pass that fixes each unit's histogram range. Default 64.</summary>
    public int CalibrationDocuments { get; init; } = 64;

    /// <summary>Tokens in the quantile sample (the same uniformly drawn tokens for every unit). Default 256.</summary>
    public int Samples { get; init; } = 256;

    /// <summary>Seed of the token sample. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Checks the values; names the field (CLI option) at fault.</summary>
    /// <exception cref="InputException">A value is out of range.</exception>
    public HarvestOptions Validate()
    {
        static void AtLeast(long value, long min, string name)
        {
            if (value < min)
                throw new InputException(
                    string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"{name} must be at least {min}, got {value}"
                    )
                );
        }
        AtLeast(TopK, 1, "--top-k");
        AtLeast(WindowBefore, 0, "window before");
        AtLeast(WindowAfter, 0, "window after");
        AtLeast(ShardDocuments, 1, "--shard-docs");
        AtLeast(MaxDocuments ?? 1, 1, "--max-docs");
        AtLeast(BatchSize, 1, "--batch");
        AtLeast(Bins, 1, "bins");
        AtLeast(CalibrationDocuments, 1, "calibration documents");
        AtLeast(Samples, 1, "samples");
        return this;
    }
}

/// <summary>Summary statistics of one unit over every harvested token (merged over shards with Chan et al.'s
/// pairwise update).</summary>
/// <param name="Unit">The unit.</param>
/// <param name="Count">Tokens seen.</param>
/// <param name="Mean">Mean activation.</param>
/// <param name="Std">Population standard deviation.</param>
/// <param name="Min">Smallest activation.</param>
/// <param name="Max">Largest activation.</param>
/// <param name="FractionPositive">Fraction of tokens with activation &gt; 0.</param>
public sealed record UnitStats(
    UnitRef Unit,
    long Count,
    double Mean,
    double Std,
    float Min,
    float Max,
    double FractionPositive
);

/// <summary>A unit's histogram: <see cref="Counts"/>.Length equal-width bins over [<see cref="Low"/>,
/// <see cref="High"/>] fixed by the calibration pass (bin i holds [lo_i, hi_i), the last also its upper edge), plus
/// the tokens that fell below or above that range.</summary>
/// <param name="Unit">The unit.</param>
/// <param name="Low">Lower edge of the first bin.</param>
/// <param name="High">Upper edge of the last bin.</param>
/// <param name="Counts">Tokens per bin.</param>
/// <param name="Underflow">Tokens below <paramref name="Low"/>.</param>
/// <param name="Overflow">Tokens above <paramref name="High"/>.</param>
public sealed record UnitHistogram(
    UnitRef Unit,
    double Low,
    double High,
    IReadOnlyList<long> Counts,
    long Underflow,
    long Overflow
)
{
    /// <summary>Width of one bin.</summary>
    public double Width => (High - Low) / Counts.Count;

    /// <summary>All tokens counted.</summary>
    public long Total => Counts.Sum() + Underflow + Overflow;
}

/// <summary>A unit's activations on the store's uniform token sample (the same tokens for every unit), sorted, and
/// quantiles read from it.</summary>
/// <param name="Unit">The unit.</param>
/// <param name="Sample">Sorted sampled activations.</param>
public sealed record UnitQuantiles(UnitRef Unit, IReadOnlyList<float> Sample)
{
    /// <summary>The q-quantile of the sample (linear interpolation between order statistics, type 7).</summary>
    public double Quantile(double q)
    {
        if (Sample.Count == 0)
            return double.NaN;
        double h = (Sample.Count - 1) * Math.Clamp(q, 0, 1);
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, Sample.Count - 1);
        return Sample[lo] + (h - lo) * (Sample[hi] - Sample[lo]);
    }
}

/// <summary>Progress of a harvest.</summary>
/// <param name="ShardsDone">Shards committed so far (including those of earlier runs).</param>
/// <param name="Shards">Shards in all.</param>
/// <param name="Documents">Documents done so far in this run.</param>
public sealed record HarvestProgress(int ShardsDone, int Shards, long Documents);

/// <summary>What a harvest did.</summary>
/// <param name="Store">Store file.</param>
/// <param name="Model">Model name.</param>
/// <param name="Hooks">Harvested hooks.</param>
/// <param name="Units">Units in all.</param>
/// <param name="Documents">Documents covered by the store.</param>
/// <param name="Tokens">Tokens covered by the store.</param>
/// <param name="Shards">Shards in all.</param>
/// <param name="ShardsResumed">Shards already committed by an earlier run (0 for a fresh store).</param>
/// <param name="ShardsRun">Shards harvested by this run.</param>
/// <param name="TokensRun">Tokens forwarded by this run.</param>
/// <param name="Truncated">Documents cut at the model's context length.</param>
/// <param name="Seconds">Wall time of this run.</param>
public sealed record HarvestSummary(
    string Store,
    string Model,
    IReadOnlyList<string> Hooks,
    int Units,
    long Documents,
    long Tokens,
    int Shards,
    int ShardsResumed,
    int ShardsRun,
    long TokensRun,
    long Truncated,
    double Seconds
)
{
    /// <summary>Tokens per second of this run (forward, accumulation and commits).</summary>
    public double TokensPerSecond => Seconds > 0 ? TokensRun / Seconds : 0;
}
