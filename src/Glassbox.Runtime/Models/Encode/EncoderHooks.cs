using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Glassbox.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Encode;

/// <summary>Hook points of the managed encoder. An activation some hook or the cache wants is written into (or copied
/// to) a region of the run's <see cref="EncoderArena"/>. Where only the cache wants it, the cache is handed the region
/// (<see cref="HookRunner.KeepView"/>) and makes a tensor only when it is read; where hooks are bound, they run on a
/// view of the region (<see cref="HookRunner.Apply"/>: same order, same caching as the libtorch path), and what they
/// return (or changed in place) is what later computation uses. With no hook and no cache nothing is done at all.</summary>
internal sealed unsafe class EncoderHooks : IDisposable
{
    private readonly HookRunner _run;
    private readonly EncoderArena? _arena;

    public EncoderHooks(HookRunner run)
    {
        _run = run;
        Active = !ReferenceEquals(run, HookRunner.None);
        _arena = Active ? new EncoderArena() : null;
    }

    /// <summary>Whether any hook or cache is attached to the run.</summary>
    public bool Active { get; }

    /// <summary>Why the managed encoder cannot honour <paramref name="run"/>'s hooks, or null when it can: gradients,
    /// an explicitly chosen attention kernel, per-head results, and hooks that change a norm's scale go to libtorch.</summary>
    public static string? Unsupported(HookRunner run, int layers)
    {
        if (ReferenceEquals(run, HookRunner.None))
            return null;
        if (run.KeepGradients)
            return "gradients";
        if (run.Attention != AttentionKernel.Auto)
            return "an attention kernel was chosen";
        if (run.HasFunctions(HookPoints.EmbedLnScale, null))
            return "a hook changes a norm's scale";
        for (int l = 0; l < layers; l++)
        {
            if (run.Wants(HookPoints.AttnResult, l))
                return "per-head results";
            if (run.HasFunctions(HookPoints.Ln1Scale, l) || run.HasFunctions(HookPoints.Ln2Scale, l))
                return "a hook changes a norm's scale";
        }
        return null;
    }

    /// <summary>Whether a hook or the cache wants <paramref name="point"/> at <paramref name="layer"/>.</summary>
    public bool Wants(HookPoint point, int? layer) => Active && _run.Wants(point, layer);

    /// <summary>A region of the run's arena for an activation of <paramref name="shape"/>.</summary>
    public EncoderActivation Take(params long[] shape) =>
        (_arena ?? throw new InvalidOperationException("no hook is active")).Take(shape);

    /// <summary>Fires <paramref name="point"/> on <paramref name="rows"/> rows of <paramref name="width"/> floats at
    /// <paramref name="data"/> (row stride <paramref name="stride"/>), shown to hooks as <paramref name="shape"/>.</summary>
    public void Fire(HookPoint point, int? layer, float* data, int rows, int width, int stride, params long[] shape)
    {
        if (!Wants(point, layer))
            return;
        var a = Take(shape);
        Copy(data, stride, a.Data, width, rows, width);
        var y = Fire(point, layer, a);
        if (_run.HasFunctions(point, layer))
            Copy(y.Data, width, data, stride, rows, width);
    }

    /// <summary>Fires <paramref name="point"/> on <paramref name="a"/>, which holds a stage's result (the cache keeps it
    /// without a copy), and returns the activation to go on with: <paramref name="a"/>, or what a hook returned.</summary>
    public EncoderActivation Fire(HookPoint point, int? layer, EncoderActivation a)
    {
        if (!Active || (a.Block is not null && _run.KeepView(point, layer, a.Block, a.Offset, a.Shape, a.Strides)))
            return a;
        if (!_run.Wants(point, layer))
            return a;
        var t = a.AsTensor();
        var y = Contiguous(_run.Apply(point, layer, t));
        return ReferenceEquals(y, t) ? a : EncoderActivation.Of(y);
    }

    /// <summary>Fires <paramref name="point"/> on <paramref name="view"/>, <paramref name="rows"/> rows of
    /// <paramref name="width"/> floats (row stride <paramref name="stride"/>) inside a larger activation; what hook
    /// functions return is copied back there.</summary>
    public void FireView(HookPoint point, int layer, EncoderActivation view, int rows, int width, int stride)
    {
        if (!Wants(point, layer) || _run.KeepView(point, layer, view.Block!, view.Offset, view.Shape, view.Strides))
            return;
        var y = _run.Apply(point, layer, view.AsTensor());
        if (_run.HasFunctions(point, layer))
            Copy(Ptr(Contiguous(y)), width, view.Data, stride, rows, width);
    }

    /// <summary>Frees the run's arena blocks (those the cache still uses live on with it).</summary>
    public void Dispose() => _arena?.Dispose();

    private static Tensor Contiguous(Tensor y)
    {
        var cpu = y.device_type == DeviceType.CPU ? y : y.cpu();
        return cpu.is_contiguous() ? cpu : cpu.contiguous();
    }

    private static void Copy(float* from, int fromStride, float* to, int toStride, int rows, int width)
    {
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(from + (long)r * fromStride, width).CopyTo(
                new Span<float>(to + (long)r * toStride, width)
            );
    }

    /// <summary>The address of a contiguous float32 CPU tensor's first element (null for null), checked.</summary>
    public static float* Ptr(Tensor? t)
    {
        if (t is null)
            return null;
        if (t.dtype != ScalarType.Float32 || t.device_type != DeviceType.CPU || !t.is_contiguous())
            throw new ConfigException("the managed encoder needs contiguous float32 CPU tensors");
        return t.numel() == 0 ? null : (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
    }
}
