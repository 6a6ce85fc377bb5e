using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sasc;

/// <summary>How a module's response to a text is pooled over the text's tokens.</summary>
public enum ResponseAggregate
{
    /// <summary>The largest value over the tokens.</summary>
    Max,

    /// <summary>The mean over the tokens.</summary>
    Mean,
}

/// <summary>A black-box module: one number per text (SASC explains only through such responses).</summary>
public interface IModuleResponse
{
    /// <summary>What is explained ("3.17", "blocks.2.hook_resid_post (mean)").</summary>
    string Name { get; }

    /// <summary>The response to each text.</summary>
    IReadOnlyList<double> Responses(IReadOnlyList<string> texts, Action<int>? progress = null);
}

/// <summary>
/// A unit of a model (or, with no index, the mean over a hook's unit axis) as a SASC module: each text is run on its
/// own (BOS added, truncated to the context, batched with right padding) and the unit's values over the text's
/// tokens (specials excluded) are pooled by <see cref="ResponseAggregate"/>.
/// </summary>
public sealed class ModelUnitResponse : IModuleResponse
{
    private readonly HookedTransformer _model;
    private readonly string _hook;
    private readonly int? _index;
    private readonly ResponseAggregate _aggregate;
    private readonly int _batch;

    /// <param name="model">A model with a tokenizer.</param>
    /// <param name="hook">Hook of the unit (a [batch, pos, units] hook).</param>
    /// <param name="index">Unit index, or null for the mean over the hook's units.</param>
    /// <param name="aggregate">Pooling over tokens.</param>
    /// <param name="batchSize">Texts per forward pass.</param>
    /// <exception cref="InputException">No tokenizer or a batch size below 1.</exception>
    public ModelUnitResponse(
        HookedTransformer model,
        string hook,
        int? index,
        ResponseAggregate aggregate = ResponseAggregate.Max,
        int batchSize = 64
    )
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} has no tokenizer; SASC runs the model on texts");
        if (batchSize < 1)
            throw new InputException("batch size must be at least 1");
        (_hook, _index, _aggregate, _batch) = (hook, index, aggregate, batchSize);
        Name = index is int i ? new UnitRef(hook, i).ToString() : hook + " (mean)";
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public IReadOnlyList<double> Responses(IReadOnlyList<string> texts, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tok = _model.Tokenizer!;
        var result = new double[texts.Count];
        int? stop = HookName.LayerOf(_hook) is int l ? l + 1 : null;
        for (int start = 0; start < texts.Count; start += _batch)
        {
            var seqs = new List<IReadOnlyList<int>>();
            var first = new List<int>();
            for (int i = start; i < Math.Min(texts.Count, start + _batch); i++)
            {
                var ids = tok.Encode(texts[i]).Ids.Take(_model.Config.NCtx).ToList();
                if (ids.Count == 0)
                    throw new InputException($"SASC text '{texts[i]}' has no tokens");
                seqs.Add(ids);
                first.Add(tok.BosId is int bos && ids[0] == bos && ids.Count > 1 ? 1 : 0);
            }
            using (var scope = NewDisposeScope())
            {
                using var batch = TokenBatch.FromIds(seqs, tok.PadId ?? 0, device: _model.Device);
                using var run = _model.Run(
                    batch,
                    Array.Empty<Hook>(),
                    n => n == _hook,
                    new RunOptions { StopAtLayer = stop }
                );
                var t = run.Cache[_hook]; // [batch, pos, units]
                if (t.dim() != 3)
                    throw new InputException(
                        $"hook {_hook} has no single unit axis; SASC needs a [batch, pos, units] hook"
                    );
                var v = (_index is int ix ? t[.., .., ix] : t.mean(new long[] { 2 })).to(float32).cpu().contiguous(); // [batch, pos]
                var flat = v.data<float>().ToArray();
                int p = (int)v.shape[1];
                for (int b = 0; b < seqs.Count; b++)
                {
                    var span = flat.AsSpan(b * p + first[b], seqs[b].Count - first[b]);
                    double acc = _aggregate == ResponseAggregate.Max ? double.NegativeInfinity : 0;
                    foreach (float x in span)
                        acc = _aggregate == ResponseAggregate.Max ? Math.Max(acc, x) : acc + x;
                    result[start + b] = _aggregate == ResponseAggregate.Max ? acc : acc / span.Length;
                }
            }
            progress?.Invoke(Math.Min(texts.Count, start + _batch));
        }
        return result;
    }
}
