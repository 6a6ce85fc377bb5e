using Glassbox.Models;

namespace Glassbox.Explorer.Hosting;

/// <summary>The one loaded model, shared by every request: work runs one at a time (a gate), on a pool thread, so
/// TorchSharp dispose scopes never span an <c>await</c> and hooks of two requests never mix.</summary>
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

    /// <summary>The model's description (config, parameter counts, hooks), computed once at start-up.</summary>
    public ModelInfo Info { get; }

    /// <summary>The model. Use it only inside <see cref="RunAsync{T}"/>.</summary>
    public HookedTransformer Model { get; }

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

    /// <summary>Disposes the model.</summary>
    public void Dispose()
    {
        Model.Dispose();
        _gate.Dispose();
    }
}
