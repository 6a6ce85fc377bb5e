namespace Glassbox.Hooks;

/// <summary>Where a hook fires: the hook name, its layer (null for model-level hooks), and the index of the head
/// dimension in the activation when it has one (2 for [batch, pos, head, d_head], 1 for [batch, head, q, k]).</summary>
/// <param name="Name">Full hook name.</param>
/// <param name="Layer">Block index or null.</param>
/// <param name="HeadDim">Dimension that indexes heads, or null when the activation has no head dimension.</param>
public sealed record HookContext(string Name, int? Layer, int? HeadDim);

/// <summary>A hook function: sees the activation and its context; returns a replacement tensor of the same shape,
/// or null to leave the activation unchanged (read-only hooks).</summary>
public delegate TorchSharp.torch.Tensor? HookFunction(TorchSharp.torch.Tensor activation, HookContext context);

/// <summary>A hook bound to a name or glob pattern (e.g. <c>blocks.*.hook_resid_post</c>).</summary>
/// <param name="Pattern">Exact hook name or glob.</param>
/// <param name="Function">The function to run.</param>
public sealed partial record Hook(string Pattern, HookFunction Function);
