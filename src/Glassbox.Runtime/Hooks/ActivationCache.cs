using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Hooks;

/// <summary>
/// Activations recorded by one forward run, keyed by hook name. Owns its tensors: dispose it (or use
/// <c>using</c>) to free them. Tensors are detached unless the run kept gradients.
/// </summary>
public sealed class ActivationCache : IDisposable
{
    private readonly Dictionary<string, Tensor> _items = new(StringComparer.Ordinal);
    private readonly List<string> _order = new();
    private bool _disposed;

    /// <summary>Hook names in the order they were recorded.</summary>
    public IReadOnlyList<string> Names => _order;

    /// <summary>Number of cached activations.</summary>
    public int Count => _order.Count;

    /// <summary>The activation recorded at <paramref name="name"/> (shape as documented for that hook).</summary>
    /// <exception cref="HookException">Nothing was cached under that name (the message suggests the closest).</exception>
    public Tensor this[string name]
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_items.TryGetValue(name, out var t))
                return t;
            if (_order.Count == 0)
                throw new HookException($"the cache is empty; '{name}' was not recorded");
            HookName.Require(name, _order);
            throw new HookException($"'{name}' was not recorded");
        }
    }

    /// <summary>Whether <paramref name="name"/> was recorded.</summary>
    public bool Contains(string name) => _items.ContainsKey(name);

    /// <summary>Tries to get an activation.</summary>
    public bool TryGet(string name, out Tensor tensor) => _items.TryGetValue(name, out tensor!);

    /// <summary>Shapes of every cached activation, in record order.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> Shapes() => _order.Select(n => (n, _items[n].shape)).ToList();

    /// <summary>Records (or replaces) an activation; the cache takes ownership of <paramref name="tensor"/>.</summary>
    public void Add(string name, Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_items.Remove(name, out var old))
            old.Dispose();
        else
            _order.Add(name);
        _items[name] = tensor;
    }

    /// <summary>Stacks one hook across layers, e.g. <c>Stack(l => HookName.ResidPost(l), 6)</c> → [layers, ...].</summary>
    public Tensor Stack(Func<int, string> nameOfLayer, int layers) =>
        torch.stack(Enumerable.Range(0, layers).Select(l => this[nameOfLayer(l)]).ToArray());

    /// <summary>Removes an activation from the cache and hands ownership to the caller.</summary>
    public Tensor Take(string name)
    {
        var t = this[name];
        _items.Remove(name);
        _order.Remove(name);
        return t;
    }

    /// <summary>Saves every activation (and, if given, the model output under the name <c>output</c>) to a
    /// safetensors file, atomically.</summary>
    /// <param name="path">Destination file.</param>
    /// <param name="output">Model output to store as <see cref="HookName.Output"/>, or null.</param>
    /// <param name="metadata">String metadata (e.g. the run manifest as JSON).</param>
    public void Save(string path, Tensor? output = null, IDictionary<string, string>? metadata = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var items = _order.Select(n => (n, _items[n].detach())).ToList();
        if (output is not null)
            items.Add((HookName.Output, output.detach()));
        try
        {
            Loading.SafetensorsWriter.Write(path, items, metadata);
        }
        finally
        {
            foreach (var (_, t) in items)
                t.Dispose();
        }
    }

    /// <summary>Frees every cached tensor.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        foreach (var t in _items.Values)
            t.Dispose();
        _items.Clear();
        _order.Clear();
        _disposed = true;
    }
}
