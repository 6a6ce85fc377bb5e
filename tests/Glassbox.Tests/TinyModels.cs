using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests;

/// <summary>Tiny random models of every supported family, made by the tests themselves.</summary>
public static class TinyModels
{
    public static ModelConfig Gpt2 =>
        new()
        {
            Architecture = "gpt2",
            DModel = 16,
            NLayers = 2,
            NHeads = 4,
            DMlp = 64,
            DVocab = 50,
            NCtx = 32,
            Norm = NormKind.LayerNorm,
            Positions = PositionKind.Learned,
            Activation = ActivationKind.GeluTanh,
            TiedEmbeddings = true,
            AttnQkvBias = true,
            AttnOutBias = true,
            MlpBias = true,
        };

    public static ModelConfig Llama =>
        new()
        {
            Architecture = "llama",
            DModel = 16,
            NLayers = 2,
            NHeads = 4,
            NKvHeads = 2,
            DMlp = 40,
            DVocab = 50,
            NCtx = 32,
            Norm = NormKind.RmsNorm,
            Positions = PositionKind.Rotary,
            Activation = ActivationKind.Silu,
            GatedMlp = true,
            AttnQkvBias = true,
        };

    public static ModelConfig Bert =>
        new()
        {
            Architecture = "bert",
            DModel = 16,
            NLayers = 2,
            NHeads = 4,
            DMlp = 64,
            DVocab = 50,
            NCtx = 32,
            NTokenTypes = 2,
            Norm = NormKind.LayerNorm,
            Positions = PositionKind.Learned,
            Activation = ActivationKind.Gelu,
            PostNorm = true,
            Causal = false,
            EmbedNorm = true,
            FinalNorm = false,
            HasUnembed = false,
            AttnQkvBias = true,
            AttnOutBias = true,
            MlpBias = true,
            NormEps = 1e-12,
        };

    public static ModelConfig NeoX =>
        new()
        {
            Architecture = "gpt_neox",
            DModel = 16,
            NLayers = 2,
            NHeads = 4,
            DMlp = 64,
            DVocab = 50,
            NCtx = 32,
            Norm = NormKind.LayerNorm,
            Positions = PositionKind.Rotary,
            RotaryDim = 2,
            Activation = ActivationKind.Gelu,
            ParallelAttnMlp = true,
            AttnQkvBias = true,
            AttnOutBias = true,
            MlpBias = true,
        };

    public static IEnumerable<object[]> All() =>
        new[] { "gpt2", "llama", "bert", "gpt_neox" }.Select(n => new object[] { n });

    public static ModelConfig ByName(string name) =>
        name switch
        {
            "gpt2" => Gpt2,
            "llama" => Llama,
            "bert" => Bert,
            "gpt_neox" => NeoX,
            _ => throw new ArgumentException(name),
        };

    /// <summary>Random canonical weights for a config (norm weights near 1).</summary>
    public static Dictionary<string, Tensor> RandomWeights(ModelConfig c, int seed = 0)
    {
        var g = new Generator((ulong)seed);
        var w = new Dictionary<string, Tensor>();
        foreach (var p in ParameterLayout.For(c))
        {
            var t = p.Name.EndsWith(".w", StringComparison.Ordinal)
                ? randn(p.Shape, generator: g).MulScalar(0.1).AddScalar(1.0)
                : randn(p.Shape, generator: g).MulScalar(0.3);
            w[p.Name] = t.DetachFromDisposeScope();
        }
        return w;
    }

    public static HookedTransformer Create(string name, int seed = 0)
    {
        var c = ByName(name);
        return HookedTransformer.Create(c, RandomWeights(c, seed), name: "tiny-" + name);
    }

    public static float MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
