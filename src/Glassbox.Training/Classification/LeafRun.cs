using static TorchSharp.torch;

namespace Glassbox.Classification;

/// <summary>Logits [batch, n_labels] with the graph kept, and the activation leaf they were computed from (shape of
/// the hook point, e.g. [batch, pos, d_model]). Dispose to free both.</summary>
/// <param name="Logits">Class logits [batch, n_labels] (requires grad).</param>
/// <param name="Activation">The leaf at the hook point; after <c>backward()</c> its <c>grad</c> holds the gradient.</param>
public sealed record LeafRun(Tensor Logits, Tensor Activation) : IDisposable
{
    /// <summary>Frees the logits and the leaf.</summary>
    public void Dispose()
    {
        Logits.Dispose();
        Activation.Dispose();
    }
}
