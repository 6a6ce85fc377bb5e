using System.ComponentModel;
using Glassbox.Circuits.Patching;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary>Options shared by <c>patch</c> and <c>patch-set</c>: what to patch, which way, where, and the batching.</summary>
public class PatchingSettings : ModelSettings
{
    [CommandOption("--hook <KIND>")]
    [Description("resid_pre (default), resid_post, attn_out, mlp_out, z (heads) or pattern (heads).")]
    public string Hook { get; init; } = "resid_pre";

    [CommandOption("--mode <MODE>")]
    [Description("denoise (clean into corrupted, default) or noise (corrupted into clean).")]
    public string Mode { get; init; } = "denoise";

    [CommandOption("--layers <L>")]
    [Description("Comma-separated layers (default all).")]
    public string? Layers { get; init; }

    [CommandOption("--heads <H>")]
    [Description("Comma-separated heads for --hook z/pattern (default all).")]
    public string? Heads { get; init; }

    [CommandOption("--chunk-size <N>")]
    [Description("Patches per forward. Default 32.")]
    public int ChunkSize { get; init; } = 32;

    /// <summary>The hook kind, checked.</summary>
    public PatchKind Kind() => PatchKinds.Parse(Hook);

    /// <summary>The mode, checked.</summary>
    public PatchMode PatchMode() =>
        Mode.Trim().ToLowerInvariant() switch
        {
            "denoise" => Glassbox.Circuits.Patching.PatchMode.Denoise,
            "noise" => Glassbox.Circuits.Patching.PatchMode.Noise,
            _ => throw new InputException($"--mode: unknown mode '{Mode}'; use denoise or noise"),
        };

    /// <summary>The sweep options these settings give (positions: all, unless <paramref name="positions"/>).</summary>
    public PatchingOptions Options(IReadOnlyList<int>? positions = null)
    {
        if (ChunkSize < 1)
            throw new InputException("--chunk-size must be at least 1");
        return new PatchingOptions
        {
            Mode = PatchMode(),
            ChunkSize = ChunkSize,
            Layers = PatchCommand.Ints(Layers, "--layers"),
            Positions = positions,
            Heads = PatchCommand.Ints(Heads, "--heads"),
        };
    }
}
