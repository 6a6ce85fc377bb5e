using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>Fresh weights for a config: the "same architecture, random weights" baseline of probing, and the start
/// of training. Matrices and embeddings ~ N(0, 0.02²) (GPT-2's scheme), norm weights 1, biases 0.</summary>
public static class ModelInit
{
    /// <summary>Seeded random canonical weights for <paramref name="config"/>.</summary>
    public static Dictionary<string, Tensor> Random(ModelConfig config, long seed, double std = 0.02)
    {
        var g = new torch.Generator((ulong)seed);
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var p in ParameterLayout.For(config))
        {
            bool norm = p.Name.EndsWith(".w", StringComparison.Ordinal);
            bool bias = p.Shape.Length == 1 && !norm;
            var t =
                norm ? ones(p.Shape)
                : bias ? zeros(p.Shape)
                : ScalarMath.Normal(p.Shape, std, g);
            w[p.Name] = t.DetachFromDisposeScope();
        }
        return w;
    }

    /// <summary>A model with the same config and tokenizer as <paramref name="model"/> but random weights.</summary>
    public static HookedTransformer RandomLike(HookedTransformer model, long seed) =>
        HookedTransformer.Create(
            model.Config,
            Random(model.Config, seed),
            model.Tokenizer,
            model.Name + " (random weights)",
            device: model.Device,
            source: new ModelSource("random", string.Create(CultureInfo.InvariantCulture, $"seed {seed}"), "")
        );
}
