using System.Globalization;
using Glassbox.Classification;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Attribution;

/// <summary>What is explained: a scalar per sequence computed through the model's call path, so hooks that replace
/// activations (the interpolated embeddings of integrated gradients) reach it and gradients flow back to them.</summary>
/// <param name="Name">Readable name, e.g. <c>logit[positive]</c> or <c>logit(' cat') − logit(' dog') @ last</c>.</param>
/// <param name="Model">The transformer whose hooks are used (the encoder of a classifier).</param>
/// <param name="Score">(batch, hooks) → scores [batch], computed with the autograd graph kept.</param>
public sealed record AttributionTarget(
    string Name,
    HookedTransformer Model,
    Func<TokenBatch, IReadOnlyList<Hook>, Tensor> Score
)
{
    /// <summary>A classifier's logit of class <paramref name="classIndex"/> [batch].</summary>
    /// <exception cref="InputException">The class index is out of range.</exception>
    public static AttributionTarget ClassLogit(SequenceClassifier classifier, int classIndex)
    {
        if (classIndex < 0 || classIndex >= classifier.LabelCount)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"class {classIndex} is not a label of the model (0..{classifier.LabelCount - 1})"
                )
            );
        return new($"logit[{classifier.Labels[classIndex]}]", classifier.Encoder, (batch, hooks) =>
            classifier.Logits(batch, hooks, keepGradients: true).select(1, classIndex)
        );
    }

    /// <summary>A classifier's logit of the class named <paramref name="label"/>.</summary>
    /// <exception cref="InputException">The label is not one of the model's labels.</exception>
    public static AttributionTarget ClassLogit(SequenceClassifier classifier, string label)
    {
        int i = classifier.Labels.ToList().FindIndex(l => string.Equals(l, label, StringComparison.Ordinal));
        return i >= 0
            ? ClassLogit(classifier, i)
            : throw new InputException(
                $"label '{label}' is not in the model (labels: {string.Join(", ", classifier.Labels)})"
            );
    }

    /// <summary>The language model's logit of its own top next token after <paramref name="ids"/> (the usual default
    /// target: "why does the model predict what it predicts?").</summary>
    /// <exception cref="InputException">The model has no unembedding, or the sequence is empty.</exception>
    public static AttributionTarget NextToken(HookedTransformer model, IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Config.HasUnembed)
            throw new InputException($"{model.Name} is an encoder without a head; give a classifier directory as -m");
        if (ids.Count == 0)
            throw new InputException("the text has no tokens");
        int next;
        using (var scope = NewDisposeScope())
        {
            using var batch = TokenBatch.Single(ids, model.Device);
            var logits = model.Forward(batch); // [1, pos, d_vocab]
            next = (int)logits[0, ids.Count - 1].argmax().item<long>();
        }
        return LmLogit(model, next);
    }

    /// <summary>A language model's logit of <paramref name="token"/> (minus the logit of <paramref name="minus"/>
    /// when given) at each sequence's last real token.</summary>
    /// <exception cref="InputException">A token id is outside the vocabulary, or the model has no unembedding.</exception>
    public static AttributionTarget LmLogit(HookedTransformer model, int token, int? minus = null)
    {
        if (!model.Config.HasUnembed)
            throw new InputException($"{model.Name} has no language-model head; use a classifier target");
        foreach (var t in minus is { } m ? new[] { token, m } : new[] { token })
            if (t < 0 || t >= model.Config.DVocab)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"token id {t} is outside the vocabulary 0..{model.Config.DVocab - 1}"
                    )
                );
        string label(int id) => model.Tokenizer?.TokenToString(id) ?? id.ToString(CultureInfo.InvariantCulture);
        string name = minus is { } mm ? $"logit('{label(token)}') − logit('{label(mm)}')" : $"logit('{label(token)}')";
        return new(name + " @ last token", model, (batch, hooks) =>
        {
            var run = model.Run(batch, hooks, null, new RunOptions { KeepGradients = true });
            run.Cache.Dispose(); // the output stays alive for the graph; the caller's dispose scope frees it
            var last = Enumerable
                .Range(0, batch.BatchSize)
                .Select(b => (long)batch.PaddedIndex(b, batch.Lengths[b] - 1))
                .ToArray();
            var idx = tensor(last, device: run.Output.device).view(-1, 1, 1).expand(-1, 1, run.Output.shape[2]);
            var logits = run.Output.gather(1, idx).squeeze(1); // [batch, d_vocab]
            var score = logits.select(1, token);
            return minus is { } m2 ? score.sub(logits.select(1, m2)) : score;
        });
    }
}
