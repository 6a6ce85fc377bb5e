using Glassbox.Classification;
using Glassbox.Models;

namespace Glassbox.Explorer.Hosting;

/// <summary>A classifier updated by XMD from the served one, kept beside it for comparison.</summary>
/// <param name="Id">The XMD job that made it.</param>
/// <param name="Classifier">The updated copy (owned by <see cref="UpdatedModels"/>).</param>
/// <param name="Directory">Where it was saved (under <c>serve --out</c>), or null when it lives only in memory.</param>
public sealed record UpdatedModel(string Id, SequenceClassifier Classifier, string? Directory);

/// <summary>The XMD-updated copies of the served classifier. Only the latest is kept in memory (a new update
/// replaces and frees the previous copy; a saved copy stays on disk); the served classifier is never changed. Use
/// it only inside <see cref="ModelHost.RunAsync{T}"/>.</summary>
public sealed class UpdatedModels : IDisposable
{
    private UpdatedModel? _latest;

    /// <summary>The latest update, or null.</summary>
    public UpdatedModel? Latest => _latest;

    /// <summary>The update made by job <paramref name="id"/>, or null when it is not (or no longer) in memory.</summary>
    public UpdatedModel? Find(string id) =>
        _latest is { } u && string.Equals(u.Id, id, StringComparison.Ordinal) ? u : null;

    /// <summary>Keeps <paramref name="model"/> as the latest update and frees the previous one.</summary>
    public void Set(UpdatedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var old = _latest;
        _latest = model;
        old?.Classifier.Dispose();
    }

    /// <summary>An independent copy of <paramref name="classifier"/>: cloned encoder weights (same config and
    /// tokenizer) and head, so training the copy leaves the original untouched.</summary>
    public static SequenceClassifier Copy(SequenceClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var e = classifier.Encoder;
        var weights = e.Weights.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone(), StringComparer.Ordinal);
        HookedTransformer encoder;
        try
        {
            encoder = HookedTransformer.Create(
                e.Config,
                weights,
                e.Tokenizer,
                e.Name,
                weights.Values.First().dtype,
                e.Device,
                e.Source
            );
        }
        catch
        {
            foreach (var t in weights.Values)
                t.Dispose();
            throw;
        }
        try
        {
            return SequenceClassifier.FromWeights(
                encoder,
                classifier.Labels,
                classifier.Pooling,
                classifier.HeadWeights,
                classifier.Dropout
            );
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>Frees the copy in memory.</summary>
    public void Dispose()
    {
        _latest?.Classifier.Dispose();
        _latest = null;
    }
}
