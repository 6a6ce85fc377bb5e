using System.ComponentModel;
using Glassbox.Probing;
using Glassbox.Tokenization;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary>Options of every probe command that trains probes: seed, the random-weights baseline, the representation
/// cache and the outputs (<c>probe pos|tag|deprel|feature|sentence|edge|coref</c>).</summary>
public class ProbeRunSettings : ModelSettings
{
    [CommandOption("--no-random-model")]
    [Description("Skip the random-weights baseline.")]
    public bool NoRandomModel { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed for data, split, probes, control labels and bootstrap. Default 0.")]
    public int Seed { get; init; }

    [CommandOption("--cache-dir <DIR>")]
    [Description(
        "Reuse word representations extracted earlier (same model, tokenisation, sentences, hooks, pooling) from this directory, and store new ones there."
    )]
    public string? CacheDir { get; init; }

    [CommandOption("--report <FILE>")]
    [Description("Also write an HTML report with the layer curve.")]
    public string? Report { get; init; }

    [CommandOption("-o|--out <FILE>")]
    [Description(
        "Write the JSON result (the --json envelope, docs/json.md); a name ending in .html writes the HTML report instead."
    )]
    public string? Out { get; init; }

    /// <summary>Extraction options with the cache directory and the given subword pooling.</summary>
    public ExtractionOptions Extraction(Pooling pooling) => new() { CacheDirectory = CacheDir, Pooling = pooling };

    /// <summary>Parses a subword pooling option (first, last or mean).</summary>
    /// <exception cref="InputException">Another value.</exception>
    public static Pooling ParsePooling(string value, string option) =>
        value switch
        {
            "first" => Pooling.First,
            "last" => Pooling.Last,
            "mean" => Pooling.Mean,
            _ => throw new InputException($"{option} must be first, last or mean, got '{value}'"),
        };

    /// <summary>Parses a probe architecture option (linear or mlp).</summary>
    /// <exception cref="InputException">Another value.</exception>
    public static ProbeKind ParseProbe(string value) =>
        value switch
        {
            "linear" => ProbeKind.Linear,
            "mlp" => ProbeKind.Mlp,
            _ => throw new InputException($"--probe must be linear or mlp, got '{value}'"),
        };
}

/// <summary>Options shared by the split-based probe commands (<c>probe pos|tag|deprel|feature|sentence|edge</c>):
/// train/test files or a seeded split of one file, and the control task. Each command adds its own <c>--data</c>.</summary>
public class ProbeSettings : ProbeRunSettings
{
    [CommandOption("--train <FILE>")]
    [Description("Training file (with --test): a probe trained on one file is evaluated on another.")]
    public string? Train { get; init; }

    [CommandOption("--test <FILE>")]
    [Description("Test file (with --train).")]
    public string? Test { get; init; }

    [CommandOption("--split <FRACTION>")]
    [Description("Training fraction when splitting --data by sentence. Default 0.8.")]
    public double Split { get; init; } = 0.8;

    [CommandOption("--no-control")]
    [Description("Skip the control-task probes.")]
    public bool NoControl { get; init; }
}
