using System.ComponentModel;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary>Options shared by commands that print results.</summary>
public class OutputSettings : CommandSettings
{
    [CommandOption("--json")]
    [Description("Print the result as JSON (for machines) instead of tables.")]
    public bool Json { get; init; }

    [CommandOption("--threads <N>")]
    [Description("libtorch threads (default: all cores).")]
    public int? Threads { get; init; }
}

/// <summary>Precision and device of the model a command loads.</summary>
public class PlacementSettings : OutputSettings
{
    [CommandOption("--dtype <TYPE>")]
    [Description("Weight and compute precision: float32 (default), bfloat16 or float16 (docs/scale.md).")]
    public string? DType { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("cpu (default), cuda or cuda:N; CUDA needs the CUDA build (docs/scale.md).")]
    public string? Device { get; init; }
}

/// <summary>Options of commands that load a model.</summary>
public class ModelSettings : PlacementSettings
{
    [CommandOption("-m|--model <MODEL>")]
    [Description(
        "A known name (see 'glassbox models'; default minilm), a Hugging Face model directory, or a llama2.c .bin file."
    )]
    public string Model { get; init; } = "minilm";

    [CommandOption("--tokenizer <FILE>")]
    [Description("Tokenizer file for a llama2.c checkpoint (tokenizer.bin), or a directory with tokenizer files.")]
    public string? Tokenizer { get; init; }

    [CommandOption("--stream-layers")]
    [Description(
        "Keep one block's weights in memory at a time, read from the safetensors folder during each forward (models larger than RAM; forward passes only; docs/scale.md)."
    )]
    public bool StreamLayers { get; init; }

    [CommandOption("--mmap")]
    [Description(
        "Memory-map a safetensors checkpoint instead of reading a copy: weights shared between processes and reclaimable under memory pressure (docs/scale.md)."
    )]
    public bool Mmap { get; init; }
}
