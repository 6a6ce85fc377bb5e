using Glassbox.Hooks;
using Glassbox.Models.Components;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

// What the run needs to hand a forward to the managed encoder (Models/Encode), and the input checks' id ranges.
public sealed partial class HookedTransformer
{
    /// <summary>Whether a run goes through the managed encoder: the model is one it covers
    /// (<see cref="Encode.ManagedEncoder.Unsupported"/>), its hooks are ones it honours
    /// (<see cref="Encode.EncoderHooks.Unsupported"/>), and neither gradients nor a partial run are asked for.</summary>
    private bool UsesManagedEncoder(HookRunner runner, RunOptions opt) =>
        opt.ManagedEncoder
        && !opt.KeepGradients
        && !opt.UseAttnResult
        && opt.StartAtLayer is null
        && opt.StopAtLayer is null
        && opt.StartResidual is null
        && Encode.ManagedEncoder.Unsupported(this) is null
        && Encode.EncoderHooks.Unsupported(runner, Config.NLayers) is null;

    private long _managedRuns;

    /// <summary>How many runs of this model went through the managed encoder (tests check the path they compare).</summary>
    internal long ManagedRuns => Interlocked.Read(ref _managedRuns);

    /// <summary>The blocks' resolved parameters (the managed encoder reads them in place).</summary>
    internal IReadOnlyList<BlockWeights> BlockParameters => _blocks;

    /// <summary>Whether the model streams its blocks from disk (weights are not resident).</summary>
    internal bool Streams => _stream is not null;

    /// <summary>The smallest and largest id in <paramref name="ids"/>: a scan of its memory for a contiguous int64 CPU
    /// tensor (no libtorch reduction on every forward), libtorch's min and max otherwise.</summary>
    private static (long Min, long Max) Range(Tensor ids)
    {
        if (
            ids.device_type == DeviceType.CPU
            && ids.dtype == ScalarType.Int64
            && ids.is_contiguous()
            && ids.numel() > 0
        )
        {
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(ids.bytes);
            return (
                System.Numerics.Tensors.TensorPrimitives.Min<long>(values),
                System.Numerics.Tensors.TensorPrimitives.Max<long>(values)
            );
        }
        using var scope = NewDisposeScope();
        return (ids.min().item<long>(), ids.max().item<long>());
    }
}
