using System.Globalization;
using Glassbox.Hooks;
using static TorchSharp.torch;

namespace Glassbox.Models;

// Starting a forward at a block (TransformerLens's start_at_layer): the caller hands in the residual stream entering
// it. Used e.g. by patching sweeps, whose rows agree with an unpatched run below the patched layer.
public sealed partial class HookedTransformer
{
    /// <summary>Checks <see cref="RunOptions.StartAtLayer"/> and <see cref="RunOptions.StartResidual"/> against the batch.</summary>
    /// <exception cref="InputException">A start layer out of range, after <see cref="RunOptions.StopAtLayer"/>, without
    /// a residual, or a residual of the wrong shape.</exception>
    private void CheckStart(TokenBatch batch, RunOptions opt)
    {
        if (opt.StartAtLayer is null)
        {
            if (opt.StartResidual is not null)
                throw new InputException("RunOptions: StartResidual is given but StartAtLayer is not");
            return;
        }
        int start = opt.StartAtLayer.Value;
        if (start < 0 || start >= Config.NLayers)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"StartAtLayer must be in 0..{Config.NLayers - 1}, got {start}"
                )
            );
        if (opt.StopAtLayer is int stop && stop < start)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"StopAtLayer {stop} is before StartAtLayer {start}")
            );
        var r = opt.StartResidual
            ?? throw new InputException("RunOptions: StartAtLayer needs StartResidual (the residual entering it)");
        long[] want = { batch.Ids.shape[0], batch.Ids.shape[1], Config.DModel };
        if (!r.shape.SequenceEqual(want))
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"StartResidual has shape [{string.Join(", ", r.shape)}], expected [{string.Join(", ", want)}] ([batch, pos, d_model])"
                )
            );
    }

    /// <summary>The residual stream a run starts from: the embedding of the tokens, or the given
    /// <see cref="RunOptions.StartResidual"/> in the model's dtype and device. [batch, pos, d_model]</summary>
    private Tensor StartStream(TokenBatch batch, Tensor pos, HookRunner run, RunOptions opt) =>
        opt.StartResidual is { } r
            ? r.to(DType, Device)
            : Embed(batch.Ids, pos, batch.TokenTypeIds, run, opt.KeepGradients);
}
