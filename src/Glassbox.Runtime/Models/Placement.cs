using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>Precision and device of a model, from the user's words (<c>--dtype</c>, <c>--device</c>). The weights are
/// converted to the dtype and computed in it; in float16/bfloat16 the norms' statistics and the attention softmax are
/// taken in float32 (as Hugging Face does). Tolerances against float32 are in docs/scale.md.</summary>
/// <param name="DType">Weight and compute dtype.</param>
/// <param name="Device">Where the weights live and the forward runs.</param>
public sealed record Placement(ScalarType DType, Device Device)
{
    /// <summary>The dtype names accepted, as Hugging Face's <c>torch_dtype</c> spells them.</summary>
    public static IReadOnlyList<string> DTypeNames { get; } = new[] { "float32", "bfloat16", "float16" };

    /// <summary>float32 on the CPU.</summary>
    public static Placement Default { get; } = new(ScalarType.Float32, CPU);

    /// <summary>Parses a dtype and a device; null means the default (float32, cpu).</summary>
    /// <param name="dtype">float32, bfloat16 or float16 (also fp32, bf16, fp16, half).</param>
    /// <param name="device">cpu, cuda or cuda:N.</param>
    /// <param name="dtypeOption">The option name used in errors.</param>
    /// <param name="deviceOption">The option name used in errors.</param>
    /// <exception cref="InputException">An unknown dtype or device, or CUDA asked for where it is not available.</exception>
    public static Placement Parse(
        string? dtype,
        string? device,
        string dtypeOption = "--dtype",
        string deviceOption = "--device"
    ) => new(ParseDType(dtype, dtypeOption), ParseDevice(device, deviceOption));

    /// <summary>The dtype named by <paramref name="name"/>.</summary>
    /// <exception cref="InputException">Not one of <see cref="DTypeNames"/>.</exception>
    public static ScalarType ParseDType(string? name, string option = "--dtype") =>
        (name ?? "float32").Trim().ToLowerInvariant() switch
        {
            "float32" or "fp32" or "float" => ScalarType.Float32,
            "bfloat16" or "bf16" => ScalarType.BFloat16,
            "float16" or "fp16" or "half" => ScalarType.Float16,
            _ => throw new InputException(
                $"{option}: '{name}' is not a dtype (expected {string.Join(", ", DTypeNames)})"
            ),
        };

    /// <summary>The device named by <paramref name="spec"/>, checked against what this build and machine offer.</summary>
    /// <exception cref="InputException">Not cpu/cuda/cuda:N, CUDA not available, or no such GPU.</exception>
    public static Device ParseDevice(string? spec, string option = "--device")
    {
        string s = (spec ?? "cpu").Trim().ToLowerInvariant();
        if (s == "cpu")
            return CPU;
        int index = 0;
        bool cuda =
            s == "cuda"
            || (
                s.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(s.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out index)
            );
        if (!cuda)
            throw new InputException($"{option}: '{spec}' is not a device (expected cpu, cuda or cuda:N)");
        if (!torch.cuda.is_available())
            throw new InputException(
                $"{option} {s}: CUDA is not available (this build uses TorchSharp-cpu, or no GPU is visible); "
                    + "build with -p:GlassboxBackend=cuda on a machine with an NVIDIA driver (docs/scale.md)"
            );
        int count = torch.cuda.device_count();
        if (index >= count)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{option} {s}: this machine has {count} CUDA device(s), numbered 0..{count - 1}"
                )
            );
        return torch.device(DeviceType.CUDA, index);
    }

    /// <summary>The dtype's name as <see cref="DTypeNames"/> spells it.</summary>
    public string DTypeName =>
        DType switch
        {
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Float16 => "float16",
            _ => "float32",
        };
}
