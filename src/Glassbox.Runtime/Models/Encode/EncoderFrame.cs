using System.Runtime.InteropServices;
using Glassbox.Hooks;
using static TorchSharp.torch;

namespace Glassbox.Models.Encode;

/// <summary>One managed-encoder forward's state: the residual stream (in the output tensor's memory, or in an arena
/// region a hook point wanted), reused buffers carved from one native allocation, and the helpers that put a stage's
/// result where a hook point can see it.</summary>
internal sealed unsafe class EncoderFrame : IDisposable
{
    private readonly float* _work;
    private EncoderActivation? _residual;

    public EncoderFrame(
        HookedTransformer model,
        EncoderHooks hooks,
        Tensor output,
        int batch,
        int pos,
        bool[]? keep,
        int parts
    )
    {
        var c = model.Config;
        int d = c.DModel,
            m = c.DMlp;
        Model = model;
        Hooks = hooks;
        Rows = batch * pos;
        Batch = batch;
        Pos = pos;
        Keep = keep;
        Parts = parts;
        Output = EncoderHooks.Ptr(output);
        X = Output;
        long floats = (long)Rows * (3L * d + d + d + m + Math.Max(3L * d, m) + 1);
        _work = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        Qkv = _work;
        Z = Qkv + (long)Rows * 3 * d;
        Tmp = Z + (long)Rows * d;
        Hidden = Tmp + (long)Rows * d;
        Scratch = Hidden + (long)Rows * m;
    }

    public HookedTransformer Model { get; }
    public EncoderHooks Hooks { get; }
    public float* Output { get; } // [rows, d_model]: the output tensor, and the residual stream when no hook wants it
    public float* X { get; private set; } // [rows, d_model]: the residual stream now
    public float* Qkv { get; } // [rows, 3 d_model]
    public float* Z { get; } // [rows, d_model]
    public float* Tmp { get; } // [rows, d_model]: attention or MLP output
    public float* Hidden { get; } // [rows, d_mlp]
    public float* Scratch { get; } // [rows, max(3 d_model, d_mlp)]: transposed products
    public int Rows { get; }
    public int Batch { get; }
    public int Pos { get; }
    public bool[]? Keep { get; }
    public int Parts { get; }
    public bool PackedWeights { get; init; } = true; // products from MKL's packed copies of the weights (EncoderPacks)

    /// <summary>A region of <paramref name="shape"/> for a stage's result when <paramref name="point"/> is wanted
    /// (<paramref name="at"/> is its memory), else null with <paramref name="at"/> = <paramref name="buffer"/>.</summary>
    public EncoderActivation? Target(HookPoint point, int layer, float* buffer, out float* at, params long[] shape)
    {
        if (!Hooks.Wants(point, layer))
        {
            at = buffer;
            return null;
        }
        var a = Hooks.Take(shape);
        at = a.Data;
        return a;
    }

    /// <summary>Fires <paramref name="point"/> on a stage's result (if any) and returns where the result now is.</summary>
    public float* After(HookPoint point, int? layer, EncoderActivation? a, float* at) =>
        a is null ? at : Hooks.Fire(point, layer, a).Data;

    /// <summary>Fires a residual-stream point [batch, pos, d_model].</summary>
    public void Residual(HookPoint point, int? layer)
    {
        if (!Hooks.Wants(point, layer))
            return;
        int d = Model.Config.DModel;
        if (_residual is null)
        {
            _residual = Hooks.Take(Batch, Pos, d);
            new ReadOnlySpan<float>(X, Rows * d).CopyTo(new Span<float>(_residual.Data, Rows * d));
        }
        _residual = Hooks.Fire(point, layer, _residual);
        X = _residual.Data;
    }

    /// <summary>Residual stream = LayerNorm(stream + <paramref name="add"/>), firing the norm's scale [batch, pos, 1] and
    /// output, then <paramref name="then"/> at <paramref name="layer"/> (the block's next residual point). The result goes
    /// into a new arena region when any of those or the next block's <c>hook_resid_pre</c> (<paramref name="nextPre"/>) is
    /// wanted, so they all see it without a copy.</summary>
    public void Norm(
        float* add,
        Tensor? w,
        Tensor? bias,
        HookPoint scale,
        HookPoint normalized,
        int? layer,
        HookPoint? then,
        int nextPre
    )
    {
        if (w is null)
            throw new ConfigException("the managed encoder needs LayerNorm weights"); // Unsupported's checks imply them
        int d = Model.Config.DModel;
        bool wanted =
            Hooks.Wants(normalized, layer)
            || (then is not null && Hooks.Wants(then, layer))
            || (nextPre >= 0 && nextPre < Model.Config.NLayers && Hooks.Wants(HookPoints.ResidPre, nextPre));
        var outA = wanted ? Hooks.Take(Batch, Pos, d) : null;
        float* output = outA is null ? Output : outA.Data;
        var scaleA = Hooks.Wants(scale, layer) ? Hooks.Take(Batch, Pos, 1) : null;
        EncoderKernels.AddNorm(
            X,
            add,
            output,
            EncoderHooks.Ptr(w),
            EncoderHooks.Ptr(bias),
            (float)Model.Config.NormEps,
            Rows,
            d,
            Parts,
            scaleA is null ? null : scaleA.Data
        );
        if (scaleA is not null)
            Hooks.Fire(scale, layer, scaleA); // only read: hooks that change a scale take the libtorch path
        _residual = outA;
        X = output;
        Residual(normalized, layer);
        if (then is not null)
            Residual(then, layer);
    }

    /// <summary>Leaves the residual stream in the output tensor.</summary>
    public void Finish()
    {
        if (X != Output)
            new ReadOnlySpan<float>(X, Rows * Model.Config.DModel).CopyTo(
                new Span<float>(Output, Rows * Model.Config.DModel)
            );
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_work);
        Hooks.Dispose();
    }
}
