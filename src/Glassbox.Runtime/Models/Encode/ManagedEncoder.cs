// The plain forward of a BERT-style encoder (post-norm, learned positions, GELU MLP) without libtorch's per-op
// dispatch: when no hook, cache or gradient is asked for, HookedTransformer.Run hands the whole forward to this class.
// Why: on the 2-vCPU machine a 14-token MiniLM forward through libtorch spent most of its 12 ms in dispatch and
// OpenMP wake-ups around ~150 small ops; here the products go to MKL's SGEMM split over our own threads and the rest
// is vectorised managed code (docs/benchmarks.md, "The managed encoder"). It reads the model's weight tensors in place
// on every call (nothing is copied or cached), so weights edited in place are always seen. Outputs agree with the
// libtorch path within float rounding (ManagedEncoderTests).
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Glassbox.Hooks;
using Glassbox.Models.Components;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Encode;

/// <summary>The managed forward of post-norm encoders (BERT, MiniLM) on the CPU in float32.</summary>
internal static unsafe class ManagedEncoder
{
    /// <summary>Why <paramref name="model"/> cannot take the managed forward, or null when it can.</summary>
    public static string? Unsupported(HookedTransformer model)
    {
        var c = model.Config;
        if (!MklGemm.Available)
            return "libtorch carries no MKL SGEMM";
        if (model.Device.type != DeviceType.CPU || model.DType != ScalarType.Float32)
            return "only float32 on the CPU";
        if (model.Streams)
            return "layer streaming";
        if (c.Causal || !c.PostNorm || c.Norm != NormKind.LayerNorm || !c.EmbedNorm || c.HasUnembed)
            return "not a post-norm encoder";
        if (c.Positions != PositionKind.Learned || c.SlidingWindow > 0 || c.ParallelAttnMlp || c.AttnOnly)
            return "positions, windows or block layout other than BERT's";
        if (!c.HasMlp || c.GatedMlp || c.Activation is not (ActivationKind.Gelu or ActivationKind.GeluTanh))
            return "MLP other than a GELU MLP";
        if (c.KvHeads != c.NHeads || c.HeadDim * c.NHeads != c.DModel)
            return "grouped or non-square heads";
        return null;
    }

    /// <summary>The final hidden states [batch, pos, d_model] of <paramref name="batch"/> (validated by the caller), firing
    /// <paramref name="run"/>'s hooks in the libtorch path's order (<see cref="EncoderHooks.Unsupported"/> must be null).</summary>
    public static Tensor Forward(HookedTransformer model, TokenBatch batch, HookRunner run)
    {
        var c = model.Config;
        int b = batch.BatchSize,
            p = batch.Length,
            d = c.DModel,
            m = c.DMlp,
            rows = b * p,
            parts = Math.Max(1, torch.get_num_threads());
        var output = empty(new long[] { b, p, d }, ScalarType.Float32); // [batch, pos, d_model]
        if (rows == 0)
            return output;
        var hooks = new EncoderHooks(run);
        float eps = (float)c.NormEps;
        long bytes = sizeof(float) * (long)rows * (3L * d + d + d + m + Math.Max(3L * d, m) + 1);
        var work = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            var f = new Frame(
                model,
                hooks,
                Ptr(output),
                work,
                rows,
                b,
                p,
                batch.HasPadding ? Keep(batch) : null,
                parts
            );
            Embed(model, batch, f);
            Norm(
                f,
                null,
                model.Weights["embed_ln.w"],
                model.Weights["embed_ln.b"],
                HookPoints.EmbedLnScale,
                HookPoints.EmbedLnNormalized,
                null
            );
            for (int l = 0; l < c.NLayers; l++)
                Block(f, model.BlockParameters[l], l);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
        finally
        {
            NativeMemory.AlignedFree(work);
        }
    }

    private static void Block(Frame f, BlockWeights w, int l)
    {
        var c = f.Model.Config;
        int d = c.DModel,
            m = c.DMlp,
            h = c.NHeads,
            dh = c.HeadDim;
        var hooks = f.Hooks;
        hooks.Fire(HookPoints.ResidPre, l, f.X, f.Rows, d, d, f.Batch, f.Pos, d);
        EncoderKernels.Linear(f.X, Ptr(w.W_QKV), Ptr(w.b_QKV), f.Qkv, f.Scratch, f.Rows, 3 * d, d, f.Parts);
        hooks.Fire(HookPoints.AttnQ, l, f.Qkv, f.Rows, d, 3 * d, f.Batch, f.Pos, h, dh);
        hooks.Fire(HookPoints.AttnK, l, f.Qkv + d, f.Rows, d, 3 * d, f.Batch, f.Pos, h, dh);
        hooks.Fire(HookPoints.AttnV, l, f.Qkv + 2 * d, f.Rows, d, 3 * d, f.Batch, f.Pos, h, dh);
        if (hooks.Wants(HookPoints.AttnScores, l) || hooks.Wants(HookPoints.AttnPattern, l))
            Staged(f, l);
        else
            EncoderAttention.Run(f.Qkv, f.Z, f.Keep, f.Batch, f.Pos, h, dh, f.Parts);
        hooks.Fire(HookPoints.AttnZ, l, f.Z, f.Rows, d, d, f.Batch, f.Pos, h, dh);
        EncoderKernels.Linear(f.Z, Ptr(w.W_O), Ptr(w.b_O), f.Tmp, f.Scratch, f.Rows, d, d, f.Parts);
        hooks.Fire(HookPoints.AttnOut, l, f.Tmp, f.Rows, d, d, f.Batch, f.Pos, d);
        Norm(f, f.Tmp, w.ln1_w, w.ln1_b, HookPoints.Ln1Scale, HookPoints.Ln1Normalized, l);
        hooks.Fire(HookPoints.ResidMid, l, f.X, f.Rows, d, d, f.Batch, f.Pos, d);
        EncoderKernels.Linear(f.X, Ptr(w.W_in!), Ptr(w.b_in), f.Hidden, f.Scratch, f.Rows, m, d, f.Parts);
        hooks.Fire(HookPoints.MlpPre, l, f.Hidden, f.Rows, m, m, f.Batch, f.Pos, m);
        if (c.Activation == ActivationKind.Gelu)
            EncoderKernels.Gelu(f.Hidden, f.Rows, m, f.Parts);
        else
            EncoderKernels.GeluTanh(f.Hidden, f.Rows, m, f.Parts);
        hooks.Fire(HookPoints.MlpPost, l, f.Hidden, f.Rows, m, m, f.Batch, f.Pos, m);
        EncoderKernels.Linear(f.Hidden, Ptr(w.W_out!), Ptr(w.b_out), f.Tmp, f.Scratch, f.Rows, d, m, f.Parts);
        hooks.Fire(HookPoints.MlpOut, l, f.Tmp, f.Rows, d, d, f.Batch, f.Pos, d);
        Norm(f, f.Tmp, w.ln2_w, w.ln2_b, HookPoints.Ln2Scale, HookPoints.Ln2Normalized, l);
        hooks.Fire(HookPoints.ResidPost, l, f.X, f.Rows, d, d, f.Batch, f.Pos, d);
    }

    /// <summary>Attention with its scores and pattern as [batch, head, q, k] tensors that hooks read or replace.</summary>
    private static void Staged(Frame f, int l)
    {
        var c = f.Model.Config;
        int h = c.NHeads,
            dh = c.HeadDim;
        var shape = new long[] { f.Batch, h, f.Pos, f.Pos };
        var scores = empty(shape, ScalarType.Float32);
        EncoderAttention.Scores(f.Qkv, Ptr(scores), f.Keep, f.Batch, f.Pos, h, dh, f.Parts);
        scores = f.Hooks.Fire(HookPoints.AttnScores, l, scores);
        var pattern = empty(shape, ScalarType.Float32);
        EncoderAttention.Pattern(Ptr(scores), Ptr(pattern), f.Batch, f.Pos, h, dh, f.Parts);
        pattern = f.Hooks.Fire(HookPoints.AttnPattern, l, pattern);
        EncoderAttention.Mix(Ptr(pattern), f.Qkv, f.Z, f.Batch, f.Pos, h, dh, f.Parts);
    }

    /// <summary>x = LayerNorm(x + add), firing the norm's scale [batch, pos, 1] and output hook points.</summary>
    private static void Norm(
        Frame f,
        float* add,
        Tensor? w,
        Tensor? bias,
        HookPoint scale,
        HookPoint normalized,
        int? layer
    )
    {
        if (w is null)
            throw new ConfigException("the managed encoder needs LayerNorm weights"); // Unsupported's checks imply them
        int d = f.Model.Config.DModel;
        bool wantsScale = f.Hooks.Wants(scale, layer);
        EncoderKernels.AddNorm(
            f.X,
            add,
            Ptr(w),
            Ptr(bias),
            (float)f.Model.Config.NormEps,
            f.Rows,
            d,
            f.Parts,
            wantsScale ? f.Scales : null
        );
        if (wantsScale)
            f.Hooks.Fire(scale, layer, f.Scales, f.Rows, 1, 1, f.Batch, f.Pos, 1);
        f.Hooks.Fire(normalized, layer, f.X, f.Rows, d, d, f.Batch, f.Pos, d);
    }

    /// <summary>Word + learned position (+ token type) embeddings into x[batch·pos, d_model], each fired at its hook
    /// point before the sum.</summary>
    private static void Embed(HookedTransformer model, TokenBatch batch, Frame f)
    {
        var c = model.Config;
        int d = c.DModel;
        long[] ids = batch.Ids.data<long>().ToArray(),
            pos = batch.PositionIds.data<long>().ToArray(),
            types = c.NTokenTypes > 0 ? batch.TokenTypeIds.data<long>().ToArray() : Array.Empty<long>();
        foreach (long q in pos)
            if (q < 0 || q >= c.NCtx)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"position id {q} is outside 0..{c.NCtx - 1}")
                );
        Gather(Ptr(model.Weights["embed.W_E"]), ids, f.X, d);
        f.Hooks.Fire(HookPoints.Embed, null, f.X, f.Rows, d, d, f.Batch, f.Pos, d);
        Gather(Ptr(model.Weights["pos_embed.W_pos"]), pos, f.Tmp, d);
        f.Hooks.Fire(HookPoints.PosEmbed, null, f.Tmp, f.Rows, d, d, f.Batch, f.Pos, d);
        Add(f.X, f.Tmp, f.Rows, d);
        if (c.NTokenTypes == 0)
            return;
        Gather(Ptr(model.Weights["token_type_embed.W_type"]), types, f.Tmp, d);
        f.Hooks.Fire(HookPoints.TokenTypeEmbed, null, f.Tmp, f.Rows, d, d, f.Batch, f.Pos, d);
        Add(f.X, f.Tmp, f.Rows, d);
    }

    private static void Gather(float* table, long[] rows, float* into, int d)
    {
        for (int r = 0; r < rows.Length; r++)
            new ReadOnlySpan<float>(table + rows[r] * d, d).CopyTo(new Span<float>(into + (long)r * d, d));
    }

    private static void Add(float* x, float* y, int rows, int d) =>
        System.Numerics.Tensors.TensorPrimitives.Add(
            new ReadOnlySpan<float>(x, rows * d),
            new ReadOnlySpan<float>(y, rows * d),
            new Span<float>(x, rows * d)
        );

    /// <summary>Which positions are real tokens, [batch·pos].</summary>
    private static bool[] Keep(TokenBatch batch)
    {
        using var mask = batch.Mask.to_type(ScalarType.Bool);
        return mask.data<bool>().ToArray();
    }

    private static float* Ptr(Tensor? t) => EncoderHooks.Ptr(t);

    /// <summary>One forward's buffers (carved from one allocation) and settings.</summary>
    private sealed class Frame
    {
        public Frame(
            HookedTransformer model,
            EncoderHooks hooks,
            float* x,
            float* work,
            int rows,
            int batch,
            int pos,
            bool[]? keep,
            int parts
        )
        {
            int d = model.Config.DModel,
                m = model.Config.DMlp;
            Model = model;
            Hooks = hooks;
            X = x;
            Qkv = work;
            Z = Qkv + (long)rows * 3 * d;
            Tmp = Z + (long)rows * d;
            Hidden = Tmp + (long)rows * d;
            Scratch = Hidden + (long)rows * m;
            Scales = Scratch + (long)rows * Math.Max(3 * d, m);
            Rows = rows;
            Batch = batch;
            Pos = pos;
            Keep = keep;
            Parts = parts;
        }

        public HookedTransformer Model { get; }
        public EncoderHooks Hooks { get; }
        public float* X { get; } // [rows, d_model]: the residual stream, and the output tensor's memory
        public float* Qkv { get; } // [rows, 3 d_model]
        public float* Z { get; } // [rows, d_model]
        public float* Tmp { get; } // [rows, d_model]: attention or MLP output
        public float* Hidden { get; } // [rows, d_mlp]
        public float* Scratch { get; } // [rows, max(3 d_model, d_mlp)]: transposed products
        public float* Scales { get; } // [rows]: a norm's √(variance + eps)
        public int Rows { get; }
        public int Batch { get; }
        public int Pos { get; }
        public bool[]? Keep { get; }
        public int Parts { get; }
    }
}
