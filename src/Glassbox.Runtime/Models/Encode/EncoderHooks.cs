using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Glassbox.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Encode;

/// <summary>Hook points of the managed encoder. An activation some hook or the cache wants is copied from the encoder's
/// buffer into a tensor of the hook point's shape, the hooks run on it (<see cref="HookRunner.Apply"/>: same order,
/// same caching as the libtorch path), and when hook functions are bound there, what they return (or changed in place)
/// is copied back, so later computation uses it. With no hook and no cache nothing is done at all.</summary>
internal sealed unsafe class EncoderHooks
{
    private readonly HookRunner _run;

    public EncoderHooks(HookRunner run)
    {
        _run = run;
        Active = !ReferenceEquals(run, HookRunner.None);
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

    /// <summary>Fires <paramref name="point"/> on <paramref name="rows"/> rows of <paramref name="width"/> floats at
    /// <paramref name="data"/> (row stride <paramref name="stride"/>), shown to hooks as <paramref name="shape"/>.</summary>
    public void Fire(HookPoint point, int? layer, float* data, int rows, int width, int stride, params long[] shape)
    {
        if (!Wants(point, layer))
            return;
        var t = empty(shape, ScalarType.Float32);
        Copy(data, stride, Ptr(t), width, rows, width);
        var y = _run.Apply(point, layer, t);
        if (!_run.HasFunctions(point, layer))
            return;
        var back = Contiguous(y);
        Copy(Ptr(back), width, data, stride, rows, width);
    }

    /// <summary>Fires <paramref name="point"/> on a tensor the encoder wrote its result into (no copy: the cache keeps
    /// it) and returns the (contiguous, CPU) tensor to go on with.</summary>
    public Tensor Fire(HookPoint point, int? layer, Tensor t) => Active ? Contiguous(_run.Apply(point, layer, t)) : t;

    /// <summary>Fires <paramref name="point"/> on <paramref name="view"/>, a view of <paramref name="rows"/> rows of
    /// <paramref name="width"/> floats at <paramref name="data"/> (row stride <paramref name="stride"/>); what hook
    /// functions return is copied back there.</summary>
    public void FireView(HookPoint point, int layer, Tensor view, float* data, int rows, int width, int stride)
    {
        if (!Wants(point, layer))
            return;
        var y = _run.Apply(point, layer, view);
        if (_run.HasFunctions(point, layer))
            Copy(Ptr(Contiguous(y)), width, data, stride, rows, width);
    }

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
