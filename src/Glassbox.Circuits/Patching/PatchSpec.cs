namespace Glassbox.Circuits.Patching;

/// <summary>One patch: replace the activation at <paramref name="Hook"/> (optionally only some positions and/or
/// heads) with the one from the source run. Positions index dimension 1 of [batch, pos, ...] hooks and the query
/// dimension of [batch, head, q, k] hooks; heads index the hook's head dimension.</summary>
/// <param name="Hook">Exact hook name, e.g. <c>blocks.2.hook_resid_pre</c>.</param>
/// <param name="Positions">Positions to patch, or null for all.</param>
/// <param name="Heads">Heads to patch, or null for all (only for hooks with a head dimension).</param>
public sealed record PatchSpec(string Hook, IReadOnlyList<long>? Positions = null, IReadOnlyList<long>? Heads = null)
{
    /// <summary>"blocks.2.hook_resid_pre pos 3 head 1".</summary>
    public override string ToString() =>
        Hook
        + (Positions is null ? "" : " pos " + string.Join(",", Positions))
        + (Heads is null ? "" : " head " + string.Join(",", Heads));
}
