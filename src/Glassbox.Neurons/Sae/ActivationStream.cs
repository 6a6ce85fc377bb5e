using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>
/// Activations of one hook served through a seeded shuffle buffer (as SAELens's activation store): the buffer is
/// filled with chunks of activation rows (whole texts, every real token but BOS) from a model run over a corpus or
/// from a collected <see cref="CollectedActivations"/>, shuffled, and batches are served from it; when half of it is used,
/// new chunks are read, mixed in and the buffer reshuffled, so a batch mixes tokens of many texts. The source is
/// cycled when it runs out (<see cref="Epochs"/> counts passes).
/// </summary>
public sealed class ActivationStream : IDisposable
{
    private readonly IActivationChunks _source;
    private readonly int _capacity;
    private readonly Generator _generator;
    private Tensor? _buffer; // [rows, d_in]
    private long _next;

    /// <summary>Creates the stream over a model run; nothing runs until the first <see cref="Next"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="hook">Hook of shape [batch, pos, units] (checked by <see cref="SaeHook.Width"/>).</param>
    /// <param name="texts">Corpus texts; enumerated again from the start when exhausted.</param>
    /// <param name="contextSize">Tokens per text at most (BOS included).</param>
    /// <param name="bufferTokens">Activation rows the buffer holds when full.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <param name="textsPerForward">Texts run in one padded forward.</param>
    /// <exception cref="InputException">Bad sizes.</exception>
    public ActivationStream(
        HookedTransformer model,
        string hook,
        IEnumerable<string> texts,
        int contextSize = 128,
        int bufferTokens = 16384,
        int seed = 0,
        int textsPerForward = 8
    )
        : this(new ModelActivationChunks(model, hook, texts, contextSize, textsPerForward), bufferTokens, seed) { }

    /// <summary>Creates the stream over any chunk source, which it then owns.</summary>
    /// <param name="source">The chunks (a model run or a cache).</param>
    /// <param name="bufferTokens">Activation rows the buffer holds when full.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <exception cref="InputException">A buffer of fewer than two rows.</exception>
    public ActivationStream(IActivationChunks source, int bufferTokens = 16384, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (bufferTokens < 2)
        {
            source.Dispose();
            throw new InputException("the shuffle buffer needs at least 2 rows");
        }
        (_source, _capacity) = (source, bufferTokens);
        Width = source.Width;
        _generator = new Generator((ulong)(uint)seed);
    }

    /// <summary>The hook's unit width (d_in).</summary>
    public long Width { get; }

    /// <summary>Completed passes over the source.</summary>
    public int Epochs => _source.Epochs;

    /// <summary>Activation rows served so far.</summary>
    public long RowsServed { get; private set; }

    /// <summary>The next batch of activation rows. // -> [batchSize, d_in] float32 (CPU); the caller owns it</summary>
    /// <exception cref="InputException">The source yields no row.</exception>
    public Tensor Next(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        using var scope = NewDisposeScope();
        long left = _buffer is null ? 0 : _buffer.shape[0] - _next;
        if (left < Math.Max(batchSize, _capacity / 2))
            Refill(batchSize);
        var batch = _buffer!.narrow(0, _next, batchSize).clone(); // [batch, d_in]
        _next += batchSize;
        RowsServed += batchSize;
        return batch.MoveToOuterDisposeScope();
    }

    private void Refill(int batchSize)
    {
        var parts = new List<Tensor>();
        long rows = 0;
        if (_buffer is not null)
        {
            var rest = _buffer.narrow(0, _next, _buffer.shape[0] - _next);
            parts.Add(rest);
            rows = rest.shape[0];
        }
        long target = Math.Max(_capacity, batchSize);
        while (rows < target)
        {
            var part = _source.Next(); // [rows, d_in] or null
            if (part is null)
                continue;
            rows += part.shape[0];
            parts.Add(part);
        }
        var all = cat(parts, 0); // [rows, d_in]
        var perm = randperm(all.shape[0], generator: _generator);
        var shuffled = all.index_select(0, perm).contiguous().DetachFromDisposeScope();
        _buffer?.Dispose();
        _buffer = shuffled;
        _next = 0;
    }

    /// <summary>Frees the buffer and the source.</summary>
    public void Dispose()
    {
        _buffer?.Dispose();
        _generator.Dispose();
        _source.Dispose();
    }
}
