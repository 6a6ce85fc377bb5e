using Glassbox.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Components;

/// <summary>The feed-forward block: plain (act(W_in x)) or gated (act(W_gate x) * W_in x). Hooks:
/// <c>mlp.hook_pre</c> (the activation's input), <c>mlp.hook_pre_linear</c> (gated only), <c>mlp.hook_post</c>.</summary>
internal static class Mlp
{
    /// <summary>MLP output [batch, pos, d_model] for x [batch, pos, d_model].</summary>
    public static Tensor Forward(Tensor x, BlockWeights w, ModelConfig c, HookRunner run, int layer)
    {
        Tensor post; // [batch, pos, d_mlp]
        if (c.GatedMlp)
        {
            var pre = run.Apply(HookPoints.MlpPre, layer, nn.functional.linear(x, w.W_gate!, w.b_gate));
            var lin = run.Apply(HookPoints.MlpPreLinear, layer, nn.functional.linear(x, w.W_in!, w.b_in));
            post = Activate(pre, c.Activation) * lin;
        }
        else
        {
            var pre = run.Apply(HookPoints.MlpPre, layer, nn.functional.linear(x, w.W_in!, w.b_in));
            post = Activate(pre, c.Activation);
        }
        post = run.Apply(HookPoints.MlpPost, layer, post);
        return nn.functional.linear(post, w.W_out!, w.b_out);
    }

    /// <summary>Applies the activation function element-wise.</summary>
    public static Tensor Activate(Tensor x, ActivationKind kind) =>
        kind switch
        {
            ActivationKind.Gelu => nn.functional.gelu(x),
            ActivationKind.GeluTanh => GeluTanh(x),
            ActivationKind.Silu => nn.functional.silu(x),
            ActivationKind.Relu => nn.functional.relu(x),
            _ => throw new ConfigException($"unknown activation {kind}"),
        };

    /// <summary>0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), the same operations in the same order as the operator
    /// form, with Scalars that static fields keep alive (an implicit Scalar can be freed mid-call; see ScalarMath).</summary>
    private static Tensor GeluTanh(Tensor x)
    {
        var inner = x.add(x.pow(GeluConstants.Three).mul(GeluConstants.Cubic), GeluConstants.One)
            .mul(GeluConstants.Root);
        return x.mul(GeluConstants.Half) * tanh(inner).add(GeluConstants.One, GeluConstants.One);
    }

    private static class GeluConstants
    {
        public static readonly Scalar Half = 0.5.ToScalar(),
            One = 1.ToScalar(),
            Cubic = 0.044715.ToScalar();
        public static readonly Scalar Root = Math.Sqrt(2.0 / Math.PI).ToScalar(),
            Three = 3.ToScalar();
    }
}
