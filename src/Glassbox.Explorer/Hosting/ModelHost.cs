using Glassbox.Classification;
using Glassbox.Models;

namespace Glassbox.Explorer.Hosting;

/// <summary>The one loaded model, shared by every request: work runs one at a time (a gate), on a pool thread, so
/// TorchSharp dispose scopes never span an <c>await</c> and hooks of two requests never mix. When a sequence
/// classifier is served, <see cref="Model"/> is its encoder (so every page over a transformer works) and
/// <see cref="Classifier"/> the whole classifier.</summary>
public sealed class ModelHost : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Shares <paramref name="model"/>; the host disposes it.</summary>
    public ModelHost(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Info = ModelInfo.Of(model);
    }

    /// <summary>Shares <paramref name="classifier"/> (its encoder is <see cref="Model"/>); the host disposes it.</summary>
    public ModelHost(SequenceClassifier classifier)
        : this((classifier ?? throw new ArgumentNullException(nameof(classifier))).Encoder) => Classifier = classifier;

    /// <summary>The model's description (config, parameter counts, hooks), computed once at start-up.</summary>
    public ModelInfo Info { get; }

    /// <summary>The model (a classifier's encoder when one is served). Use it only inside <see cref="RunAsync{T}"/>.</summary>
    public HookedTransformer Model { get; }

    /// <summary>The served sequence classifier, or null when a plain model is served. Use it only inside
    /// <see cref="RunAsync{T}"/>.</summary>
    public SequenceClassifier? Classifier { get; }

    /// <summary>Models updated by XMD from the served classifier, kept beside it (never replacing it). Use them only
    /// inside <see cref="RunAsync{T}"/>.</summary>
    public UpdatedModels Updated { get; } = new();

    /// <summary>Runs <paramref name="work"/> alone on the model; waits for earlier work. Cancelling while waiting
    /// throws <see cref="OperationCanceledException"/>; running work sees the token through its own checks.</summary>
    public async Task<T> RunAsync<T>(Func<HookedTransformer, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => work(Model), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>How long <see cref="Dispose"/> waits for running work to stop.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Disposes the model (the classifier with its encoder, when one is served) and the updated models, once
    /// the work running on them has ended: freeing a model under a running job crashed the process inside libtorch
    /// (an in-place add on freed weights, seen when a test stopped the explorer while a cancelled job still ran). Work
    /// that does not end within two minutes keeps the models alive (leaked, never freed under it).</summary>
    public void Dispose()
    {
        if (!_gate.Wait(DrainTimeout))
            return;
        Updated.Dispose();
        if (Classifier is not null)
            Classifier.Dispose();
        else
            Model.Dispose();
        _gate.Dispose();
    }
}
