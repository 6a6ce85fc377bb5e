using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>A model's config and its weights under the canonical names of <see cref="ParameterLayout"/>.</summary>
/// <param name="Config">The validated, normalised config.</param>
/// <param name="Weights">Canonical name → tensor, e.g. <c>blocks.0.attn.W_Q</c> → [n_heads*d_head, d_model].</param>
public sealed record LoadedWeights(ModelConfig Config, IReadOnlyDictionary<string, Tensor> Weights) : IDisposable
{
    /// <summary>Disposes every weight tensor.</summary>
    public void Dispose()
    {
        foreach (var t in Weights.Values)
            t.Dispose();
    }
}
