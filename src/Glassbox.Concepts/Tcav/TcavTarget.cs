using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Concepts;

/// <summary>What TCAV explains: a scalar per input (a class logit, a logit difference) computed by a model whose
/// hook points carry the concept activations. Implementations run the model through its own call path so hooks fire.</summary>
public interface ITcavTarget
{
    /// <summary>Short description for reports, e.g. "logit of class 'positive'".</summary>
    string Name { get; }

    /// <summary>The transformer whose hook points are read and differentiated.</summary>
    HookedTransformer Model { get; }

    /// <summary>Tokenizes texts the way <see cref="Value"/> expects (right padding).</summary>
    TokenBatch Tokenize(IReadOnlyList<string> texts);

    /// <summary>The target value per row, with the autograd graph kept: [batch].</summary>
    /// <param name="batch">Tokens from <see cref="Tokenize"/>.</param>
    /// <param name="hooks">Hooks to run during the forward (they may replace activations).</param>
    Tensor Value(TokenBatch batch, IReadOnlyList<Hook> hooks);
}

/// <summary>An LM's logit of one token minus another (or one token's logit alone) at the last real position.</summary>
public sealed class LmLogitDifferenceTarget : ITcavTarget
{
    private readonly int _plus;
    private readonly int? _minus;

    /// <summary>Target the logit of <paramref name="plus"/> minus that of <paramref name="minus"/> (when given).</summary>
    /// <exception cref="InputException">The model is not a causal LM, or a token id is outside the vocabulary.</exception>
    public LmLogitDifferenceTarget(HookedTransformer model, int plus, int? minus, string name)
    {
        if (!model.Config.Causal || model.Config.DVocab <= 0)
            throw new InputException(
                $"--target: {model.Name} is not a causal language model; pass a classifier directory"
            );
        foreach (int t in minus is { } m ? new[] { plus, m } : new[] { plus })
            if (t < 0 || t >= model.Config.DVocab)
                throw new InputException(
                    string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"--target: token id {t} is outside the vocabulary of {model.Name}"
                    )
                );
        Model = model;
        _plus = plus;
        _minus = minus;
        Name = name;
    }

    /// <summary>Parses "A" or "A,B" (token strings, each one token when encoded without special tokens).</summary>
    /// <exception cref="InputException">A string that is not exactly one token.</exception>
    public static LmLogitDifferenceTarget Parse(HookedTransformer model, string spec)
    {
        if (model.Tokenizer is null)
            throw new InputException($"--target: {model.Name} has no tokenizer");
        var parts = spec.Split(',');
        if (parts.Length is < 1 or > 2 || parts.Any(p => p.Length == 0))
            throw new InputException($"--target: expected 'TOKEN' or 'TOKEN,TOKEN' for a language model, got '{spec}'");
        int Id(string s)
        {
            var ids = model.Tokenizer.Encode(s, false).Ids;
            return ids.Count == 1
                ? ids[0]
                : throw new InputException(
                    $"--target: '{s}' is {ids.Count} tokens for {model.Name}; give a string that is exactly one token"
                );
        }
        return new LmLogitDifferenceTarget(
            model,
            Id(parts[0]),
            parts.Length == 2 ? Id(parts[1]) : null,
            parts.Length == 2 ? $"logit('{parts[0]}') − logit('{parts[1]}')" : $"logit('{parts[0]}')"
        );
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public HookedTransformer Model { get; }

    /// <inheritdoc/>
    public TokenBatch Tokenize(IReadOnlyList<string> texts) => Model.Tokenize(texts);

    /// <inheritdoc/>
    public Tensor Value(TokenBatch batch, IReadOnlyList<Hook> hooks)
    {
        var logits = Model.Run(batch, hooks, null, new RunOptions { KeepGradients = true }).Output; // [batch, pos, d_vocab]
        var last = tensor(batch.Lengths.Select(l => (long)l - 1).ToArray(), device: logits.device);
        var rows = logits.gather(1, last.view(-1, 1, 1).expand(-1, 1, logits.shape[2])).squeeze(1); // [batch, d_vocab]
        var v = rows.select(1, _plus);
        return _minus is { } m ? v.sub(rows.select(1, m)) : v; // [batch]
    }
}
