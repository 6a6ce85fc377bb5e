using Glassbox.Hooks;
using Glassbox.Models.Components;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Encode;

/// <summary>One post-norm block of the managed encoder, firing its hook points in the libtorch path's order. A stage
/// whose result some hook or the cache wants writes it straight into a region of the run's arena with the hook point's
/// shape, which is shown to the hooks, kept by the cache without a copy, and (if a hook replaced it) swapped for what the
/// hook returned; a stage nothing wants writes into the frame's reused buffers.</summary>
internal static unsafe class EncoderBlock
{
    public static void Run(EncoderFrame f, BlockWeights w, int l)
    {
        var c = f.Model.Config;
        int d = c.DModel,
            m = c.DMlp,
            h = c.NHeads,
            dh = c.HeadDim;
        var hooks = f.Hooks;
        var packs = f.PackedWeights ? EncoderPacks.Of(w, f.Model) : null;
        f.Residual(HookPoints.ResidPre, l);
        // Q, K and V: one product; hooks see [batch, pos, head, d_head] views of it, as on the libtorch path.
        bool qkvWanted =
            hooks.Wants(HookPoints.AttnQ, l) || hooks.Wants(HookPoints.AttnK, l) || hooks.Wants(HookPoints.AttnV, l);
        var qkvA = qkvWanted ? hooks.Take(f.Batch, f.Pos, 3 * d) : null;
        float* qkv = qkvA is null ? f.Qkv : qkvA.Data;
        EncoderKernels.Linear(
            f.X,
            Ptr(w.W_QKV),
            Ptr(w.b_QKV),
            qkv,
            f.Scratch,
            f.Rows,
            3 * d,
            d,
            f.Parts,
            packed: packs?.Qkv
        );
        if (qkvA is not null)
        {
            long[] shape =  { f.Batch, f.Pos, h, dh },
                strides =  { (long)f.Pos * 3 * d, 3 * d, dh, 1 };
            foreach (
                var (point, at) in new[] { (HookPoints.AttnQ, 0), (HookPoints.AttnK, d), (HookPoints.AttnV, 2 * d) }
            )
                hooks.FireView(point, l, qkvA.Slice(at, shape, strides), f.Rows, d, 3 * d);
        }
        // Attention: z [batch, pos, head, d_head].
        var zA = f.Target(HookPoints.AttnZ, l, f.Z, out float* z, f.Batch, f.Pos, h, dh);
        if (hooks.Wants(HookPoints.AttnScores, l) || hooks.Wants(HookPoints.AttnPattern, l))
            Staged(f, l, qkv, z);
        else
            EncoderAttention.Run(qkv, z, f.Keep, f.Batch, f.Pos, h, dh, f.Parts);
        z = f.After(HookPoints.AttnZ, l, zA, z);
        var outA = f.Target(HookPoints.AttnOut, l, f.Tmp, out float* attnOut, f.Batch, f.Pos, d);
        EncoderKernels.Linear(z, Ptr(w.W_O), Ptr(w.b_O), attnOut, f.Scratch, f.Rows, d, d, f.Parts, packed: packs?.O);
        attnOut = f.After(HookPoints.AttnOut, l, outA, attnOut);
        f.Norm(attnOut, w.ln1_w, w.ln1_b, HookPoints.Ln1Scale, HookPoints.Ln1Normalized, l, HookPoints.ResidMid, -1);
        // MLP: the activation's input and output each as [batch, pos, d_mlp].
        bool preWanted = hooks.Wants(HookPoints.MlpPre, l),
            postWanted = hooks.Wants(HookPoints.MlpPost, l);
        var preA = preWanted || postWanted ? hooks.Take(f.Batch, f.Pos, m) : null;
        float* pre = preA is null ? f.Hidden : preA.Data;
        EncoderKernels.Linear(f.X, Ptr(w.W_in!), Ptr(w.b_in), pre, f.Scratch, f.Rows, m, d, f.Parts, packed: packs?.In);
        float* post = pre;
        var postA = preA;
        if (preWanted)
        {
            // The activation reads the (hooked) input and writes its own region: the cached input stays as it was.
            pre = f.After(HookPoints.MlpPre, l, preA, pre);
            postA = postWanted ? hooks.Take(f.Batch, f.Pos, m) : null;
            post = postA is null ? f.Hidden : postA.Data;
        }
        if (c.Activation == ActivationKind.Gelu)
            EncoderKernels.Gelu(pre, post, f.Rows, m, f.Parts);
        else
            EncoderKernels.GeluTanh(pre, post, f.Rows, m, f.Parts);
        if (postWanted)
            post = f.After(HookPoints.MlpPost, l, postA, post);
        var mlpA = f.Target(HookPoints.MlpOut, l, f.Tmp, out float* mlpOut, f.Batch, f.Pos, d);
        EncoderKernels.Linear(
            post,
            Ptr(w.W_out!),
            Ptr(w.b_out),
            mlpOut,
            f.Scratch,
            f.Rows,
            d,
            m,
            f.Parts,
            packed: packs?.Out
        );
        mlpOut = f.After(HookPoints.MlpOut, l, mlpA, mlpOut);
        f.Norm(mlpOut, w.ln2_w, w.ln2_b, HookPoints.Ln2Scale, HookPoints.Ln2Normalized, l, HookPoints.ResidPost, l + 1);
    }

    /// <summary>Attention with its scores and pattern as [batch, head, q, k] tensors that hooks read or replace.</summary>
    private static void Staged(EncoderFrame f, int l, float* qkv, float* z)
    {
        var c = f.Model.Config;
        int h = c.NHeads,
            dh = c.HeadDim;
        var scores = f.Hooks.Take(f.Batch, h, f.Pos, f.Pos);
        EncoderAttention.Scores(qkv, scores.Data, f.Keep, f.Batch, f.Pos, h, dh, f.Parts);
        scores = f.Hooks.Fire(HookPoints.AttnScores, l, scores);
        var pattern = f.Hooks.Take(f.Batch, h, f.Pos, f.Pos);
        EncoderAttention.Pattern(scores.Data, pattern.Data, f.Batch, f.Pos, h, dh, f.Parts);
        pattern = f.Hooks.Fire(HookPoints.AttnPattern, l, pattern);
        EncoderAttention.Mix(pattern.Data, qkv, z, f.Batch, f.Pos, h, dh, f.Parts);
    }

    private static float* Ptr(Tensor? t) => EncoderHooks.Ptr(t);
}
