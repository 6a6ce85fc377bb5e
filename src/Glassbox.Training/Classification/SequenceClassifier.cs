using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Classification;

/// <summary>
/// A text classifier to explain: a BERT-family <see cref="HookedTransformer"/> encoder plus a sequence-classification
/// head (<see cref="ClassifierPooling.Cls"/>: pooler dense + tanh on [CLS], dropout, linear classifier, exactly
/// Hugging Face <c>BertForSequenceClassification</c>; or <see cref="ClassifierPooling.Mean"/>: masked mean, dropout,
/// linear classifier). The encoder runs through its normal call path, so hooks fire and, with
/// <c>keepGradients</c>, autograd reaches every activation and the input embeddings. Not thread-safe.
/// </summary>
public sealed partial class SequenceClassifier : IDisposable
{
    /// <summary>Checkpoint key of the pooler dense weight [d_model, d_model] (cls pooling only).</summary>
    public const string PoolerWeightKey = "bert.pooler.dense.weight";

    /// <summary>Checkpoint key of the pooler dense bias [d_model] (cls pooling only).</summary>
    public const string PoolerBiasKey = "bert.pooler.dense.bias";

    /// <summary>Checkpoint key of the classifier weight [n_labels, d_model].</summary>
    public const string ClassifierWeightKey = "classifier.weight";

    /// <summary>Checkpoint key of the classifier bias [n_labels].</summary>
    public const string ClassifierBiasKey = "classifier.bias";

    private readonly Dictionary<string, Tensor> _head;

    /// <summary>The encoder (owned: disposed with the classifier).</summary>
    public HookedTransformer Encoder { get; }

    /// <summary>Class names; index i is logit i.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Pooling of the hidden states.</summary>
    public ClassifierPooling Pooling { get; }

    /// <summary>Dropout probability before the classifier during training (Hugging Face's <c>classifier_dropout</c>).</summary>
    public double Dropout { get; }

    /// <summary>Head weights under their checkpoint keys (owned; updated in place by training).</summary>
    public IReadOnlyDictionary<string, Tensor> HeadWeights => _head;

    /// <summary>Number of classes.</summary>
    public int LabelCount => Labels.Count;

    private SequenceClassifier(
        HookedTransformer encoder,
        IReadOnlyList<string> labels,
        ClassifierPooling pooling,
        Dictionary<string, Tensor> head,
        double dropout
    )
    {
        Encoder = encoder;
        Labels = labels;
        Pooling = pooling;
        _head = head;
        Dropout = dropout;
    }

    /// <summary>Tokenizes and right-pads texts; each is cut to <paramref name="maxLength"/> tokens (keeping its final
    /// [SEP]) and to the encoder's context.</summary>
    /// <exception cref="InputException">No texts, or the encoder has no tokenizer.</exception>
    public TokenBatch Tokenize(IReadOnlyList<string> texts, int maxLength = 128)
    {
        if (texts.Count == 0)
            throw new InputException("no texts to classify");
        var tok = Encoder.Tokenizer
            ?? throw new InputException($"{Encoder.Name} was loaded without a tokenizer; pass token ids instead");
        int max = Math.Max(2, Math.Min(maxLength, Encoder.Config.NCtx));
        var seqs = new List<IReadOnlyList<int>>(texts.Count);
        foreach (var text in texts)
        {
            var ids = tok.Encode(text, addSpecialTokens: true).Ids;
            seqs.Add(ids.Count <= max ? ids : ids.Take(max - 1).Append(ids[^1]).ToArray());
        }
        return TokenBatch.FromIds(seqs, tok.PadId ?? Encoder.Config.PadTokenId ?? 0, device: Encoder.Device);
    }

    /// <summary>Class logits through the encoder's call path (hooks fire). With <paramref name="keepGradients"/> the
    /// graph is kept, so a hook may replace an activation with a tensor that requires grad (or read the embeddings)
    /// and <c>backward()</c> on a logit reaches it.</summary>
    /// <param name="batch">Right- or left-padded batch.</param>
    /// <param name="hooks">Hooks on encoder activations.</param>
    /// <param name="keepGradients">Keep the autograd graph (otherwise runs under no_grad).</param>
    /// <returns>Logits [batch, n_labels]; the caller disposes them.</returns>
    public Tensor Logits(TokenBatch batch, IReadOnlyList<Hook>? hooks = null, bool keepGradients = false) =>
        Forward(batch, hooks, keepGradients, null);

    /// <summary>Class logits from token ids and an attention mask (1 = real token, padding on either side).</summary>
    /// <param name="tokens">Token ids [batch, pos] (int64).</param>
    /// <param name="attentionMask">Mask [batch, pos] (bool or 0/1 numbers).</param>
    /// <param name="hooks">Hooks on encoder activations.</param>
    /// <param name="keepGradients">Keep the autograd graph.</param>
    /// <returns>Logits [batch, n_labels].</returns>
    public Tensor Logits(
        Tensor tokens,
        Tensor attentionMask,
        IReadOnlyList<Hook>? hooks = null,
        bool keepGradients = false
    )
    {
        using var batch = BatchFrom(tokens, attentionMask);
        return Logits(batch, hooks, keepGradients);
    }

    /// <summary>Logits with the activation at <paramref name="hookName"/> replaced by a leaf copy that requires grad
    /// (or by <paramref name="replacement"/>), for gradients of a logit with respect to an activation (TCAV) or the
    /// input embeddings (<c>HookPoints.Embed.Name()</c>, attribution). Call <c>backward()</c> on a function of
    /// <see cref="LeafRun.Logits"/>, then read <c>Activation.grad</c>. Note: a tensor created inside a hook belongs to
    /// the forward's dispose scope and is freed when the forward returns; this method detaches the leaf for you.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="hookName">An exact hook name of the encoder (build it with <c>HookPoints</c>).</param>
    /// <param name="replacement">Optional tensor of the activation's shape used instead of a copy (e.g. scaled
    /// embeddings for integrated gradients); the caller keeps ownership and decides whether it requires grad.</param>
    /// <param name="hooks">Further hooks (run before the leaf hook on the same name).</param>
    /// <exception cref="HookException">The hook name is unknown or the replacement has the wrong shape.</exception>
    public LeafRun LogitsWithLeaf(
        TokenBatch batch,
        string hookName,
        Tensor? replacement = null,
        IReadOnlyList<Hook>? hooks = null
    )
    {
        Tensor? leaf = null;
        var capture = new Hook(hookName, (x, _) =>
        {
            if (replacement is not null)
                return replacement;
            leaf = x.detach().clone().requires_grad_(true).DetachFromDisposeScope();
            return leaf;
        });
        var all = (hooks ?? Array.Empty<Hook>()).Append(capture).ToList();
        try
        {
            var logits = Logits(batch, all, keepGradients: true);
            return new LeafRun(logits, replacement is null ? leaf! : replacement.alias());
        }
        catch
        {
            leaf?.Dispose();
            throw;
        }
    }

    /// <summary>The training forward (dropout drawn from <paramref name="dropout"/> when not null) that also returns the
    /// activation at <paramref name="hookName"/> still attached to its graph (not a leaf: gradients reach the weights
    /// before it), so an objective can differentiate through a gradient of it (<c>create_graph</c>), e.g. explanation
    /// regularisation on gradient × input or on attention patterns.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="hookName">An exact hook name of the encoder (build it with <c>HookPoints</c>).</param>
    /// <param name="dropout">Dropout generator, or null for none.</param>
    /// <returns>Logits [batch, n_labels] and the activation (the hook point's shape, e.g. [batch, pos, d_model]).</returns>
    /// <exception cref="HookException">The hook name is unknown.</exception>
    /// <param name="hooks">Further hooks, run before the capture (e.g. one that scales the embeddings).</param>
    public LeafRun ForwardCapturing(
        TokenBatch batch,
        string hookName,
        Generator? dropout,
        IReadOnlyList<Hook>? hooks = null
    )
    {
        Tensor? seen = null;
        var capture = new Hook(hookName, (x, _) =>
        {
            seen = x.alias().DetachFromDisposeScope();
            return seen;
        });
        try
        {
            var all = (hooks ?? Array.Empty<Hook>()).Append(capture).ToList();
            var logits = Forward(batch, all, keepGradients: true, dropout);
            return new LeafRun(logits, seen!);
        }
        catch
        {
            seen?.Dispose();
            throw;
        }
    }

    /// <summary>Softmax probabilities [batch, n_labels] of texts (no gradients).</summary>
    public float[][] Probabilities(IReadOnlyList<string> texts, int maxLength = 128)
    {
        using var scope = NewDisposeScope();
        using var batch = Tokenize(texts, maxLength);
        using var logits = Logits(batch);
        var p = logits.softmax(-1).cpu(); // [batch, n_labels]
        var flat = p.data<float>().ToArray();
        return Enumerable
            .Range(0, texts.Count)
            .Select(i => flat.AsSpan(i * LabelCount, LabelCount).ToArray())
            .ToArray();
    }

    /// <summary>Logits [batch, n_labels] with the graph kept, dropout drawn from <paramref name="dropout"/> (null: none),
    /// for training objectives.</summary>
    public Tensor TrainingLogits(TokenBatch batch, Generator? dropout) => Forward(batch, null, true, dropout);

    /// <summary>The forward used by training: <paramref name="dropout"/> (when not null) draws the dropout mask.</summary>
    internal Tensor Forward(TokenBatch batch, IReadOnlyList<Hook>? hooks, bool keepGradients, Generator? dropout)
    {
        using var run = Encoder.Run(
            batch,
            hooks ?? Array.Empty<Hook>(),
            null,
            new RunOptions { KeepGradients = keepGradients }
        );
        using var scope = NewDisposeScope();
        using var grad = keepGradients || dropout is not null ? enable_grad() : no_grad();
        return Head(run.Output, batch, dropout).MoveToOuterDisposeScope();
    }

    /// <summary>The head on the last hidden state [batch, pos, d_model] of <paramref name="batch"/>; logits [batch, n_labels].</summary>
    internal Tensor Head(Tensor hidden, TokenBatch batch, Generator? dropout)
    {
        Tensor pooled; // [batch, d_model]
        if (Pooling == ClassifierPooling.Cls)
        {
            // [CLS] is each sequence's first real token (position 0 unless left-padded).
            var at = Enumerable.Range(0, batch.BatchSize).Select(b => (long)batch.PaddedIndex(b, 0)).ToArray();
            var idx = tensor(at, device: hidden.device).view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
            var first = hidden.gather(1, idx).squeeze(1); // [batch, d_model]
            pooled = nn.functional.linear(first, _head[PoolerWeightKey], _head[PoolerBiasKey]).tanh();
        }
        else
        {
            var m = batch.Mask.to(hidden.device).to_type(hidden.dtype).unsqueeze(-1); // [batch, pos, 1]
            var sum = hidden.mul(m).sum(1); // [batch, d_model]
            pooled = sum.div(m.sum(1).ClampMin(1.0));
        }
        if (dropout is not null && Dropout > 0)
        {
            var keep = rand(pooled.shape, generator: dropout).GreaterOrEqual(Dropout).to(pooled.device);
            pooled = pooled.mul(keep.to_type(pooled.dtype)).DivScalar(1 - Dropout);
        }
        return nn.functional.linear(pooled, _head[ClassifierWeightKey], _head[ClassifierBiasKey]);
    }

    /// <summary>The leaf tensors training updates: the head alone (<paramref name="freezeEncoder"/>) or the encoder's
    /// <see cref="HookedTransformer.TrainableLeaves"/> followed by the head, in a fixed order.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> TrainableLeaves(bool freezeEncoder)
    {
        var l = new List<KeyValuePair<string, Tensor>>();
        if (!freezeEncoder)
            l.AddRange(Encoder.TrainableLeaves().OrderBy(kv => kv.Key, StringComparer.Ordinal));
        foreach (var (key, _) in HeadLayout(Pooling, Encoder.Config.DModel, LabelCount))
            l.Add(new(key, _head[key]));
        return l;
    }

    private static TokenBatch BatchFrom(Tensor tokens, Tensor attentionMask)
    {
        if (tokens.dim() != 2 || !tokens.shape.SequenceEqual(attentionMask.shape))
            throw new InputException(
                $"tokens [{string.Join(", ", tokens.shape)}] and attention mask [{string.Join(", ", attentionMask.shape)}] must both be [batch, pos]"
            );
        long[] ids;
        bool[] mask;
        using (var scope = NewDisposeScope())
        {
            ids = tokens.to_type(ScalarType.Int64).cpu().data<long>().ToArray();
            mask = attentionMask.to_type(ScalarType.Bool).cpu().data<bool>().ToArray();
        }
        int b = (int)tokens.shape[0],
            p = (int)tokens.shape[1];
        var seqs = new List<IReadOnlyList<int>>(b);
        for (int i = 0; i < b; i++)
        {
            var s = new List<int>(p);
            for (int j = 0; j < p; j++)
                if (mask[i * p + j])
                    s.Add(checked((int)ids[i * p + j]));
            seqs.Add(s);
        }
        // Every row ends on a real token: left padding (or none); otherwise right padding.
        bool left = Enumerable.Range(0, b).All(i => mask[i * p + p - 1]);
        return TokenBatch.FromIds(seqs, side: left ? PaddingSide.Left : PaddingSide.Right, device: tokens.device);
    }

    /// <summary>Frees the encoder and the head.</summary>
    public void Dispose()
    {
        Encoder.Dispose();
        foreach (var t in _head.Values)
            t.Dispose();
    }
}
