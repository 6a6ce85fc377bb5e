namespace Glassbox.Neurons;

/// <summary>
/// A window of text with one unit's activation on every token: what the store keeps per unit (top-activating and
/// random contexts), what the viewer highlights and what the explainers read.
/// </summary>
/// <param name="Tokens">Token strings of the window, as the tokenizer prints them (leading-space marker kept).</param>
/// <param name="Activations">The unit's activation on each token, same length as <paramref name="Tokens"/>.</param>
/// <param name="Document">Index of the corpus document the window comes from.</param>
/// <param name="Position">Position, in the document, of the window's first token.</param>
public sealed record ActivationExcerpt(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float> Activations,
    long Document = 0,
    int Position = 0
)
{
    /// <summary>The largest activation in the window.</summary>
    public float Max => Activations.Count == 0 ? float.NaN : Activations.Max();
}
