using System.Globalization;

namespace Glassbox.Circuits.Induction;

/// <summary>Settings of the repeated-random-tokens test.</summary>
public sealed record InductionOptions
{
    /// <summary>Length T of the random segment that is shown twice; null = min(50, (n_ctx - bos) / 2).</summary>
    public int? SegmentLength { get; init; }

    /// <summary>Number of random sequences.</summary>
    public int Sequences { get; init; } = 32;

    /// <summary>Seed of the random tokens (same seed = same sequences for every checkpoint).</summary>
    public long Seed { get; init; }

    /// <summary>Early position of the in-context-learning score (loss of the prediction made at this position);
    /// null = the middle of the first copy (Olsson et al. use 50 on natural text).</summary>
    public int? EarlyPosition { get; init; }

    /// <summary>Late position of the in-context-learning score; null = the same token's position in the second copy
    /// (early + T; Olsson et al. use 500).</summary>
    public int? LatePosition { get; init; }

    /// <summary>Heads to zero-ablate (on <c>attn.hook_z</c>) as (layer, head); empty = no ablation.</summary>
    public IReadOnlyList<(int Layer, int Head)> Ablate { get; init; } = Array.Empty<(int, int)>();

    /// <summary>Also zero-ablate every head on its own and report the change in second-copy loss and ICL score.</summary>
    public bool ScanHeads { get; init; }

    /// <summary>Random draws of other heads (same count) ablated as a control.</summary>
    public int ControlDraws { get; init; } = 5;

    /// <summary>Sequences per forward pass.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Parses a comma-separated head list in any <see cref="HeadName"/> spelling (e.g. "L1H3,1.0").</summary>
    /// <exception cref="InputException">An entry is not a head.</exception>
    public static IReadOnlyList<(int Layer, int Head)> ParseHeads(string? text, string option = "--ablate")
    {
        if (string.IsNullOrWhiteSpace(text))
            return Array.Empty<(int, int)>();
        return HeadName.ParseList(text, option).Distinct().ToList();
    }
}
