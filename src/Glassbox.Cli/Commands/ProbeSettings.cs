using System.ComponentModel;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary>Options shared by the trained-probe commands (<c>probe pos|tag|deprel|feature|sentence|edge</c>): train/test
/// files or a seeded split of one file, controls, baselines and outputs. Each command adds its own <c>--data</c>.</summary>
public class ProbeSettings : ModelSettings
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

    [CommandOption("--no-random-model")]
    [Description("Skip the random-weights baseline.")]
    public bool NoRandomModel { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed for data, split, probes, control labels and bootstrap. Default 0.")]
    public int Seed { get; init; }

    [CommandOption("--report <FILE>")]
    [Description("Also write an HTML report with the layer curve.")]
    public string? Report { get; init; }

    [CommandOption("-o|--out <FILE>")]
    [Description("Write the JSON result (with manifest); a name ending in .html writes the HTML report instead.")]
    public string? Out { get; init; }
}
