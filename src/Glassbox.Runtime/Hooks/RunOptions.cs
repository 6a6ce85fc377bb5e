namespace Glassbox.Hooks;

/// <summary>Options of one forward run.</summary>
public sealed record RunOptions
{
    /// <summary>Run only blocks before this index and return the residual stream entering it
    /// ([batch, pos, d_model]); null runs the whole model.</summary>
    public int? StopAtLayer { get; init; }

    /// <summary>Start at this block with <see cref="StartResidual"/> as the residual stream entering it (TransformerLens's
    /// <c>start_at_layer</c>): the embedding and the blocks before it are not run and their hooks do not fire. Null
    /// (default) runs from the tokens. With <see cref="Glassbox.Models.HookedTransformer.RunCached"/> the KV cache then lacks the new
    /// positions of the lower blocks and cannot be extended further.</summary>
    public int? StartAtLayer { get; init; }

    /// <summary>The residual stream entering block <see cref="StartAtLayer"/>, [batch, pos, d_model] for the batch's
    /// (new) positions; required with <see cref="StartAtLayer"/>.</summary>
    public TorchSharp.torch.Tensor? StartResidual { get; init; }

    /// <summary>Keep the autograd graph: cached activations keep <c>requires_grad</c> and retain their
    /// gradient, so after <c>backward()</c> each cached tensor has <c>.grad</c>.</summary>
    public bool KeepGradients { get; init; }

    /// <summary>Compute the per-head attention output <c>attn.hook_result</c> [batch, pos, head, d_model]
    /// (costs memory; also enabled automatically when a hook or the cache asks for it).</summary>
    public bool UseAttnResult { get; init; }

    /// <summary>Return NaN or infinite outputs instead of raising <see cref="Glassbox.Models.NonFiniteOutputException"/>. By default a
    /// forward (without <see cref="KeepGradients"/>) whose output holds them fails, naming the first hook point
    /// where they appeared, so no command prints a NaN probability.</summary>
    public bool AllowNonFinite { get; init; }

    /// <summary>Reduces each cached activation before the cache keeps it (hook name, activation → what to keep), e.g.
    /// <c>(_, x) =&gt; x[.., -1]</c> for the last position or <c>x.matmul(direction)</c> for a projection, so that a
    /// sweep holds only what it reads; the full activation still flows on through the model. Not with
    /// <see cref="KeepGradients"/>.</summary>
    public Func<string, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? CacheReducer { get; init; }

    /// <summary>A byte budget for the run's cache: activations past it are written to disk and memory-mapped back
    /// (<see cref="Hooks.CacheSpill"/>); null (default) keeps everything in memory.</summary>
    public CacheSpill? CacheSpill { get; init; }

    /// <summary>The attention kernel: <see cref="AttentionKernel.Auto"/> (default) picks libtorch's fused kernel for long
    /// sequences and the explicit scores and softmax otherwise.</summary>
    public AttentionKernel Attention { get; init; }

    /// <summary>Run post-norm encoders such as MiniLM through the managed encoder instead of libtorch op by op (default
    /// true): MKL's SGEMM on our own threads and vectorised managed kernels, the same outputs within float rounding, and
    /// the same hooks and cache (a wanted activation is written straight into the tensor the hooks and cache see). Runs
    /// that keep gradients, stop or start at a layer, ask for per-head results or an attention kernel, or hook a norm's
    /// scale with a function, and models it does not cover, always run through libtorch (docs/benchmarks.md).</summary>
    public bool ManagedEncoder { get; init; } = true;

    /// <summary>Let the managed encoder compute its products from MKL's packed copies of the weights (default true):
    /// 15-20% faster at a few rows, at the cost of a copy about the size of the products' weights, made on the first
    /// managed forward and kept with the model. Used for runs of up to 128 token rows on models of up to 64M parameters
    /// (MiniLM: 42 MB of copies); other runs read the weights in place. A copy is remade whenever its weight was changed in place by a libtorch op
    /// (its version counter moved); writes through raw data pointers are not seen, so code that writes weights that way
    /// sets this to false, which reads the weights in place on every call.</summary>
    public bool PackedWeights { get; init; } = true;

    /// <summary>The defaults.</summary>
    public static RunOptions Default { get; } = new();
}

/// <summary>How attention is computed. Both give the same result up to float rounding (about 1e-6).</summary>
public enum AttentionKernel
{
    /// <summary>When no hook reads the scores or pattern and no gradient is taken: fused for sequences whose per-head
    /// score matrix has 2^15 or more elements (about 181 tokens), managed for shorter ones of 8 or more queries in
    /// float32 on the CPU; explicit otherwise (measured: docs/benchmarks.md).</summary>
    Auto,

    /// <summary>Scores and softmax as tensors ([batch, head, q, k]); always used when a hook reads them.</summary>
    Explicit,

    /// <summary>libtorch's fused <c>scaled_dot_product_attention</c> (blocked, no score tensor in memory) whenever no
    /// hook reads the scores or pattern and no gradient is taken.</summary>
    Fused,

    /// <summary>Glassbox's managed kernel (one pass per batch row and head, no score tensor in memory) whenever no hook
    /// reads the scores or pattern, no gradient is taken and the model runs in float32 on the CPU; explicit
    /// otherwise.</summary>
    Managed,
}
