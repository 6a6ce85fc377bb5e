using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Hooks;

/// <summary>
/// Activations recorded by one forward run, keyed by hook name. Owns its tensors: dispose it (or use
/// <c>using</c>) to free them. Tensors are detached unless the run kept gradients. Activations of one run of the
/// managed encoder may share memory blocks (their tensors are views, made when first read); a tensor taken out of the
/// cache keeps its block alive until it is disposed.
/// </summary>
public sealed class ActivationCache : IDisposable
{
    private readonly Dictionary<string, Tensor> _items = new(StringComparer.Ordinal);
    private readonly List<string> _order;
    private readonly Dictionary<string, PendingView> _views;
    private readonly Dictionary<IntPtr, Tensor> _blocks = new();
    private readonly CacheSpill? _spill;
    private string? _folder;
    private int _files;
    private bool _disposed;

    /// <summary>An empty cache; with <paramref name="spill"/>, activations past its byte budget go to disk.</summary>
    /// <exception cref="InputException">An invalid budget or an unusable spill folder.</exception>
    public ActivationCache(CacheSpill? spill = null)
        : this(spill, 0) { }

    /// <summary>An empty cache sized for about <paramref name="capacity"/> activations (a run's hook point count), so
    /// that recording them never grows its tables.</summary>
    internal ActivationCache(CacheSpill? spill, int capacity)
    {
        _order = new List<string>(capacity);
        _views = new Dictionary<string, PendingView>(capacity, StringComparer.Ordinal);
        _spill = spill;
        if (spill is not null)
            _folder = spill.CreateFolder();
    }

    /// <summary>Bytes of activations held in memory (not counting spilled ones).</summary>
    public long ResidentBytes { get; private set; }

    /// <summary>Bytes of activations written to disk and memory-mapped back.</summary>
    public long SpilledBytes { get; private set; }

    /// <summary>Number of activations written to disk.</summary>
    public int SpilledCount { get; private set; }

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
            if (Find(name) is { } t)
                return t;
            if (_order.Count == 0)
                throw new HookException($"the cache is empty; '{name}' was not recorded");
            HookName.Require(name, _order);
            throw new HookException($"'{name}' was not recorded");
        }
    }

    /// <summary>Whether <paramref name="name"/> was recorded.</summary>
    public bool Contains(string name) => _items.ContainsKey(name) || _views.ContainsKey(name);

    /// <summary>Tries to get an activation.</summary>
    public bool TryGet(string name, out Tensor tensor)
    {
        tensor = Find(name)!;
        return tensor is not null;
    }

    /// <summary>Shapes of every cached activation, in record order.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> Shapes() =>
        _order.Select(n => (n, _views.TryGetValue(n, out var v) ? (long[])v.Shape.Clone() : _items[n].shape)).ToList();

    /// <summary>Whether views of a run's memory may be recorded (<see cref="AddView"/>): not when activations spill.</summary>
    internal bool HoldsViews => _spill is null;

    /// <summary>Records <paramref name="name"/> as a region of <paramref name="block"/> (a float32 CPU tensor whose
    /// memory nothing writes to again): the view, <paramref name="shape"/> with <paramref name="strides"/> from
    /// <paramref name="offset"/> elements, is made when first read. The cache keeps its own handle to the block.</summary>
    internal void AddView(string name, Tensor block, long offset, long[] shape, long[] strides)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_items.Count > 0)
            Remove(name);
        if (!_blocks.TryGetValue(block.Handle, out var own))
        {
            own = block.detach();
            own.DetachFromDisposeScope();
            _blocks[block.Handle] = own;
        }
        var view = new PendingView(own, offset, shape, strides);
        if (!_views.TryAdd(name, view)) // recorded before in this run: replace it (one lookup when it was not)
        {
            Remove(name);
            _views.Add(name, view);
        }
        _order.Add(name);
        ResidentBytes += Floats(shape) * sizeof(float);
    }

    private static long Floats(long[] shape)
    {
        long n = 1;
        foreach (long s in shape)
            n *= s;
        return n;
    }

    private readonly record struct PendingView(Tensor Block, long Offset, long[] Shape, long[] Strides);

    /// <summary>The tensor recorded at <paramref name="name"/> (making the view of a recorded region), or null.</summary>
    private Tensor? Find(string name)
    {
        if (_items.TryGetValue(name, out var t))
            return t;
        if (!_views.Remove(name, out var v))
            return null;
        t = v.Block.as_strided(v.Shape, v.Strides, v.Offset);
        t.DetachFromDisposeScope();
        _items[name] = t;
        return t;
    }

    /// <summary>Forgets <paramref name="name"/> (disposing its tensor) and returns whether it was recorded.</summary>
    private bool Remove(string name)
    {
        if (_views.Remove(name, out var v))
        {
            ResidentBytes -= Floats(v.Shape) * sizeof(float);
            _order.Remove(name);
            return true;
        }
        if (!_items.Remove(name, out var old))
            return false;
        ResidentBytes -= _spilled.Remove(name) ? 0 : Bytes(old);
        old.Dispose();
        _order.Remove(name);
        return true;
    }

    /// <summary>Records (or replaces) an activation; the cache takes ownership of <paramref name="tensor"/>.</summary>
    public void Add(string name, Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int at = Contains(name) ? _order.IndexOf(name) : -1; // a replaced activation keeps its place
        Remove(name);
        if (at >= 0)
            _order.Insert(at, name);
        else
            _order.Add(name);
        long bytes = Bytes(tensor);
        if (_spill is not null && !tensor.requires_grad && ResidentBytes + bytes > _spill.ByteBudget)
        {
            var mapped = CacheSpill.Spill(tensor, _folder!, _files++);
            tensor.Dispose();
            tensor = mapped;
            _spilled.Add(name);
            SpilledBytes += bytes;
            SpilledCount++;
        }
        else
            ResidentBytes += bytes;
        _items[name] = tensor;
    }

    private readonly HashSet<string> _spilled = new(StringComparer.Ordinal);

    private static long Bytes(Tensor t) => t.numel() * t.element_size();

    /// <summary>Stacks one hook across layers, e.g. <c>Stack(l => HookName.ResidPost(l), 6)</c> → [layers, ...].</summary>
    public Tensor Stack(Func<int, string> nameOfLayer, int layers) =>
        torch.stack(Enumerable.Range(0, layers).Select(l => this[nameOfLayer(l)]).ToArray());

    /// <summary>Removes an activation from the cache and hands ownership to the caller.</summary>
    public Tensor Take(string name)
    {
        var t = this[name];
        _items.Remove(name);
        _order.Remove(name);
        if (!_spilled.Remove(name))
            ResidentBytes -= Bytes(t);
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
        var items = _order.Select(n => (n, Find(n)!.detach())).ToList();
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
        foreach (var b in _blocks.Values)
            b.Dispose();
        _blocks.Clear();
        _views.Clear();
        _order.Clear();
        _disposed = true;
        if (_folder is not null)
        {
            try
            {
                Directory.Delete(_folder, true); // the maps are gone with their tensors; Linux also allows deleting mapped files
            }
            catch (IOException) { } // best effort: a file still mapped elsewhere (Windows) is left behind
            _folder = null;
        }
    }
}
