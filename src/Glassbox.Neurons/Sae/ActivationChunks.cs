using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>Where an <see cref="ActivationStream"/> gets its activation rows: chunk after chunk (a chunk is the rows
/// of one padded forward over a few texts), wrapping to the start when the source runs out. Two sources give the same
/// chunks in the same order: a model run over a corpus (<see cref="ModelActivationChunks"/>) and a collected
/// activation cache (<see cref="CollectedActivations"/>), so an SAE trained from a cache is the one trained live.</summary>
public interface IActivationChunks : IDisposable
{
    /// <summary>The hook's unit width (d_in).</summary>
    long Width { get; }

    /// <summary>Completed passes over the source.</summary>
    int Epochs { get; }

    /// <summary>The next chunk's rows, or null for a chunk without rows (texts of fewer than two tokens).
    /// // -> [rows, d_in] float32 on the CPU; the caller owns it</summary>
    /// <exception cref="InputException">The source has no rows at all.</exception>
    Tensor? Next();
}

/// <summary>Activation chunks read from a model: texts are taken from the corpus <see cref="TextsPerForward"/> at a
/// time (a pass ends with a shorter group), run as one padded forward that stops after the hook's layer, and every
/// real token but BOS gives a row (<see cref="SaeHook.Rows"/>).</summary>
public sealed class ModelActivationChunks : IActivationChunks
{
    private readonly HookedTransformer _model;
    private readonly string _hook;
    private readonly IEnumerable<string> _texts;
    private readonly int _contextSize;
    private IEnumerator<string> _cursor;
    private long _rowsThisPass;

    /// <summary>Creates the source; nothing runs until <see cref="Next"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="hook">Hook of shape [batch, pos, units].</param>
    /// <param name="texts">Corpus texts; enumerated again from the start when exhausted.</param>
    /// <param name="contextSize">Tokens per text at most (BOS included).</param>
    /// <param name="textsPerForward">Texts run in one padded forward.</param>
    /// <exception cref="InputException">Bad sizes or a hook without a unit axis.</exception>
    public ModelActivationChunks(
        HookedTransformer model,
        string hook,
        IEnumerable<string> texts,
        int contextSize = 128,
        int textsPerForward = 8
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        if (contextSize < 2)
            throw new InputException("--context must be at least 2 tokens");
        Width = SaeHook.Width(model, hook);
        (_model, _hook, _texts, _contextSize) = (model, hook, texts, contextSize);
        TextsPerForward = Math.Max(1, textsPerForward);
        _cursor = _texts.GetEnumerator();
    }

    /// <inheritdoc/>
    public long Width { get; }

    /// <inheritdoc/>
    public int Epochs { get; private set; }

    /// <summary>Texts per chunk (the last chunk of a pass may have fewer).</summary>
    public int TextsPerForward { get; }

    /// <summary>Texts run through the model so far.</summary>
    public long TextsRead { get; private set; }

    /// <summary>The texts of the next chunk, advancing the cursor (and counting a pass when it wraps); whether the
    /// chunk is the last of a pass.</summary>
    /// <exception cref="InputException">The corpus has no text, or a whole pass gave no row.</exception>
    internal (List<string> Texts, bool EndsPass) NextTexts()
    {
        var texts = new List<string>();
        int emptyPasses = 0;
        while (texts.Count < TextsPerForward)
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
            {
                TextsRead += texts.Count;
                return (texts, true);
            }
            ClosePass(); // the pass ended with the previous chunk
            if (++emptyPasses > 1 || !_cursor.MoveNext())
                throw Empty();
            texts.Add(_cursor.Current);
        }
        TextsRead += texts.Count;
        return (texts, false);
    }

    private void ClosePass()
    {
        if (_rowsThisPass == 0)
            throw Empty();
        _rowsThisPass = 0;
    }

    internal static InputException Empty() =>
        new("the corpus has no text (of two or more tokens) to read activations from");

    /// <inheritdoc/>
    public Tensor? Next()
    {
        var (texts, endsPass) = NextTexts();
        var seqs = SaeHook.Sequences(_model, texts, _contextSize);
        Tensor? rows = seqs.Count == 0 ? null : SaeHook.Rows(_model, _hook, seqs); // [rows, d_in]
        _rowsThisPass += rows?.shape[0] ?? 0;
        if (endsPass)
        {
            try
            {
                ClosePass();
            }
            catch
            {
                rows?.Dispose();
                throw;
            }
        }
        return rows;
    }

    /// <inheritdoc/>
    public void Dispose() => _cursor.Dispose();
}
