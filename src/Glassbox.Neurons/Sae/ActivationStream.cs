using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>
/// Activations of one hook streamed from a model over a text corpus, through a seeded shuffle buffer (as SAELens's
/// activation store): the buffer is filled with the activations of whole texts (every real token but BOS), shuffled,
/// and batches are served from it; when half of it is used, new texts are run, mixed in and the buffer reshuffled, so
/// a batch mixes tokens of many texts. The corpus is cycled when it runs out (<see cref="Epochs"/> counts passes).
/// </summary>
public sealed class ActivationStream : IDisposable
{
    private readonly HookedTransformer _model;
    private readonly string _hook;
    private readonly IEnumerable<string> _texts;
    private readonly int _contextSize,
        _capacity,
        _textsPerForward;
    private readonly Generator _generator;
    private IEnumerator<string> _cursor;
    private Tensor? _buffer; // [rows, d_in]
    private long _next;

    /// <summary>Creates the stream; nothing runs until the first <see cref="Next"/>.</summary>
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
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        if (contextSize < 2)
            throw new InputException("--context must be at least 2 tokens");
        if (bufferTokens < 2)
            throw new InputException("the shuffle buffer needs at least 2 rows");
        Width = SaeHook.Width(model, hook);
        (_model, _hook, _texts, _contextSize, _capacity, _textsPerForward) = (
            model,
            hook,
            texts,
            contextSize,
            bufferTokens,
            Math.Max(1, textsPerForward)
        );
        _generator = new Generator((ulong)(uint)seed);
        _cursor = _texts.GetEnumerator();
    }

    /// <summary>The hook's unit width (d_in).</summary>
    public long Width { get; }

    /// <summary>Completed passes over the corpus.</summary>
    public int Epochs { get; private set; }

    /// <summary>Texts run through the model so far.</summary>
    public long TextsRead { get; private set; }

    /// <summary>Activation rows served so far.</summary>
    public long RowsServed { get; private set; }

    /// <summary>The next batch of activation rows. // -> [batchSize, d_in] float32 (CPU); the caller owns it</summary>
    /// <exception cref="InputException">The corpus yields no text of two or more tokens.</exception>
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
        int emptyPasses = 0;
        while (rows < target)
        {
            var texts = new List<string>();
            while (texts.Count < _textsPerForward)
            {
                if (_cursor.MoveNext())
                {
                    texts.Add(_cursor.Current);
                    continue;
                }
                _cursor.Dispose();
                _cursor = _texts.GetEnumerator();
                Epochs++;
                if (texts.Count > 0)
                    break;
                if (++emptyPasses > 1 || !_cursor.MoveNext())
                    throw new InputException("the corpus has no text (of two or more tokens) to read activations from");
                texts.Add(_cursor.Current);
            }
            TextsRead += texts.Count;
            var seqs = SaeHook.Sequences(_model, texts, _contextSize);
            if (seqs.Count == 0)
            {
                if (Epochs > 1 && rows == 0)
                    throw new InputException("the corpus has no text (of two or more tokens) to read activations from");
                continue;
            }
            var part = SaeHook.Rows(_model, _hook, seqs);
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

    /// <summary>Frees the buffer.</summary>
    public void Dispose()
    {
        _buffer?.Dispose();
        _generator.Dispose();
        _cursor.Dispose();
    }
}
