namespace Glassbox.Models.Families;

/// <summary>
/// One checkpoint tensor and the canonical parameter(s) (see <see cref="ParameterLayout"/>) it feeds.
/// </summary>
/// <param name="HfKey">The checkpoint key without optional prefixes, e.g. <c>h.0.attn.c_attn.weight</c>.</param>
/// <param name="Canonical">Canonical names fed by this key, e.g. <c>blocks.0.attn.W_Q</c>, <c>W_K</c>, <c>W_V</c>.</param>
/// <param name="Codec">How the checkpoint tensor maps onto the canonical tensors.</param>
public sealed record WeightKey(string HfKey, IReadOnlyList<string> Canonical, WeightCodec Codec)
{
    /// <summary>A key stored exactly as its canonical tensor.</summary>
    /// <param name="hfKey">Checkpoint key.</param>
    /// <param name="canonical">Canonical name.</param>
    /// <returns>The key.</returns>
    public static WeightKey Same(string hfKey, string canonical) =>
        new(hfKey, new[] { canonical }, WeightCodec.Identity);

    /// <summary>A 2-D key stored transposed ([in, out]).</summary>
    /// <param name="hfKey">Checkpoint key.</param>
    /// <param name="canonical">Canonical name.</param>
    /// <returns>The key.</returns>
    public static WeightKey Transposed(string hfKey, string canonical) =>
        new(hfKey, new[] { canonical }, WeightCodec.Transpose);

    /// <summary>A fused key feeding several canonical tensors.</summary>
    /// <param name="hfKey">Checkpoint key.</param>
    /// <param name="codec">The split/merge codec.</param>
    /// <param name="canonical">Canonical names in codec order.</param>
    /// <returns>The key.</returns>
    public static WeightKey Fused(string hfKey, WeightCodec codec, params string[] canonical) =>
        new(hfKey, canonical, codec);
}
