// The forward of a BERT-style encoder (post-norm, learned positions, GELU MLP) without libtorch's per-op dispatch:
// HookedTransformer.Run hands plain, hooked and cached runs to this class unless they keep gradients or ask for
// something only the libtorch path does (EncoderHooks.Unsupported). Why: on the 2-vCPU machine a 14-token MiniLM
// forward through libtorch spent most of its 12 ms in dispatch and OpenMP wake-ups around ~150 small ops; here the
// products go to MKL's SGEMM split over our own threads and the rest is vectorised managed code (docs/benchmarks.md,
// "The managed encoder"). Up to 128 token rows, the products use MKL's packed copies of the weights (EncoderPacks,
// PackedLinear), which are remade whenever a weight's libtorch version counter moved, so weights edited in place are
// always seen; larger runs read the weights in place. Outputs and cached activations agree with the libtorch path
// within float rounding (ManagedEncoderTests, PackedEncoderTests, MiniLmOnnxParityTests).
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    public static Tensor Forward(HookedTransformer model, TokenBatch batch, HookRunner run, bool packedWeights = true)
    {
        var c = model.Config;
        int b = batch.BatchSize,
            p = batch.Length;
        var output = empty(new long[] { b, p, c.DModel }, ScalarType.Float32); // [batch, pos, d_model]
        if (b * p == 0)
            return output;
        try
        {
            using var f = new EncoderFrame(
                model,
                new EncoderHooks(run),
                output,
                b,
                p,
                batch.HasPadding ? Keep(batch) : null,
                Math.Max(1, torch.get_num_threads())
            )
            {
                PackedWeights = packedWeights && b * p <= PackedLinear.MostRows,
            };
            Embed(model, batch, f);
            f.Norm(
                null,
                model.Weights["embed_ln.w"],
                model.Weights["embed_ln.b"],
                HookPoints.EmbedLnScale,
                HookPoints.EmbedLnNormalized,
                null,
                null,
                0
            );
            for (int l = 0; l < c.NLayers; l++)
                EncoderBlock.Run(f, model.BlockParameters[l], l);
            f.Finish();
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Whether every value of the managed encoder's output is finite: a vector scan of its memory, so that a
    /// finite output (the usual case) costs no libtorch reduction; otherwise the caller's check counts and reports.</summary>
    public static bool AllFinite(Tensor output)
    {
        float* p = Ptr(output);
        long n = output.numel(),
            i = 0;
        var acc = Vector512<float>.Zero;
        for (; i + 16 <= n; i += 16)
        {
            var v = Vector512.Load(p + i);
            acc += v - v; // 0 for a finite value, NaN for NaN or ±infinity
        }
        float tail = 0f;
        for (; i < n; i++)
            tail += p[i] - p[i];
        return Vector512.Sum(acc) == 0f && tail == 0f;
    }

    /// <summary>Word + learned position (+ token type) embeddings into the residual stream, each fired at its hook point
    /// before the sum.</summary>
    private static void Embed(HookedTransformer model, TokenBatch batch, EncoderFrame f)
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
        var hooks = f.Hooks;
        Gather(Ptr(model.Weights["embed.W_E"]), ids, f.X, d);
        hooks.Fire(HookPoints.Embed, null, f.X, f.Rows, d, d, f.Batch, f.Pos, d);
        Gather(Ptr(model.Weights["pos_embed.W_pos"]), pos, f.Tmp, d);
        hooks.Fire(HookPoints.PosEmbed, null, f.Tmp, f.Rows, d, d, f.Batch, f.Pos, d);
        Add(f.X, f.Tmp, f.Rows, d);
        if (c.NTokenTypes == 0)
            return;
        Gather(Ptr(model.Weights["token_type_embed.W_type"]), types, f.Tmp, d);
        hooks.Fire(HookPoints.TokenTypeEmbed, null, f.Tmp, f.Rows, d, d, f.Batch, f.Pos, d);
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
}
