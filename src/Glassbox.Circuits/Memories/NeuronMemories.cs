using System.Globalization;
using Glassbox.Circuits.Lens;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Memories;

/// <summary>An MLP neuron: layer and index into <c>mlp.hook_post</c>.</summary>
/// <param name="Layer">Block index.</param>
/// <param name="Index">Neuron index.</param>
public sealed record NeuronRef(int Layer, int Index)
{
    /// <summary>Parses "layer.index" and checks it against the model.</summary>
    /// <exception cref="InputException">Malformed or out of range (the message names the argument).</exception>
    public static NeuronRef Parse(string text, ModelConfig c, string argument = "--neuron")
    {
        var parts = text.Trim().Split('.');
        if (
            parts.Length != 2
            || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int l)
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int n)
        )
            throw new InputException($"{argument}: '{text}' is not a neuron; write layer.index, e.g. 2.17");
        if (!c.HasMlp)
            throw new InputException($"{argument}: the model has no MLP neurons");
        if (l < 0 || l >= c.NLayers)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: neuron {text} names layer {l}, but the model has layers 0..{c.NLayers - 1}"
                )
            );
        if (n < 0 || n >= c.DMlp)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: neuron {text} names index {n}, but each MLP has neurons 0..{c.DMlp - 1}"
                )
            );
        return new NeuronRef(l, n);
    }

    /// <summary>"L{layer}N{index}".</summary>
    public override string ToString() => $"L{Layer}N{Index}";
}

/// <summary>A prefix of a corpus text that ends where the neuron fired.</summary>
/// <param name="Activation">Activation at the last token of the prefix.</param>
/// <param name="Text">Index of the text in the corpus.</param>
/// <param name="Position">Token position in that text.</param>
/// <param name="Prefix">The last few tokens, ending at the firing token.</param>
/// <param name="Token">The firing token.</param>
public sealed record TriggerExample(double Activation, int Text, int Position, string Prefix, string Token);

/// <summary>One neuron's sub-update at a position: activation × value vector, and its effect on the predicted token.</summary>
/// <param name="Neuron">"L{l}N{i}".</param>
/// <param name="Activation">Activation (the key's match).</param>
/// <param name="LogitEffect">Direct effect on the predicted token's logit (through the frozen final norm).</param>
public sealed record SubUpdate(string Neuron, double Activation, double LogitEffect);

/// <summary>The sub-updates that most raise the predicted token at one position.</summary>
/// <param name="Position">Token position.</param>
/// <param name="Token">Token at the position.</param>
/// <param name="Predicted">The model's top next token.</param>
/// <param name="Top">Sub-updates with the largest positive effect, best first.</param>
public sealed record PositionUpdates(int Position, string Token, string Predicted, IReadOnlyList<SubUpdate> Top);

/// <summary>
/// MLP layers as key-value memories (Geva et al. 2021, 2022): a neuron's input weights are a key that fires on
/// certain prefixes; its output weights (a column of W_out) are a value vector that, projected to the vocabulary,
/// promotes and suppresses tokens; at each position the MLP output is a sum of sub-updates activation × value.
/// </summary>
public static class NeuronMemories
{
    /// <summary>The top-k prefixes of a corpus by the neuron's activation at <c>mlp.hook_post</c>, streaming text by
    /// text (only the best k are kept, never all activations). Texts longer than the context are truncated.</summary>
    /// <param name="m">The model.</param>
    /// <param name="neuron">The neuron.</param>
    /// <param name="texts">Corpus texts (read lazily).</param>
    /// <param name="k">Examples kept.</param>
    /// <param name="prefixTokens">Tokens of context shown per example.</param>
    /// <param name="progress">Called with the number of texts done.</param>
    public static IReadOnlyList<TriggerExample> TopPrefixes(
        HookedTransformer m,
        NeuronRef neuron,
        IEnumerable<string> texts,
        int k = 10,
        int prefixTokens = 12,
        Action<int>? progress = null
    )
    {
        if (m.Tokenizer is null)
            throw new InputException($"{m.Name} has no tokenizer; top prefixes need texts");
        return TopPrefixes(
            m,
            neuron,
            texts.Select(t => (IReadOnlyList<int>)m.Tokenizer.Encode(t).Ids),
            k,
            prefixTokens,
            progress
        );
    }

    /// <summary>As <see cref="TopPrefixes(HookedTransformer, NeuronRef, IEnumerable{string}, int, int, Action{int}?)"/>, on token id sequences.</summary>
    public static IReadOnlyList<TriggerExample> TopPrefixes(
        HookedTransformer m,
        NeuronRef neuron,
        IEnumerable<IReadOnlyList<int>> sequences,
        int k = 10,
        int prefixTokens = 12,
        Action<int>? progress = null
    )
    {
        if (k < 1)
            throw new InputException("k must be at least 1");
        var heap = new PriorityQueue<(double Act, int Text, int Pos, IReadOnlyList<int> Ids), double>();
        string hook = HookPoints.MlpPost.Name(neuron.Layer);
        int ti = 0;
        foreach (var seq in sequences)
        {
            var ids = seq.Take(m.Config.NCtx).ToList();
            if (ids.Count == 0)
            {
                ti++;
                progress?.Invoke(ti);
                continue;
            }
            using (var scope = NewDisposeScope())
            {
                using var batch = TokenBatch.Single(ids, m.Device);
                using var run = m.Run(
                    batch,
                    Array.Empty<Hook>(),
                    n => n == hook,
                    new RunOptions { StopAtLayer = neuron.Layer + 1 }
                );
                var acts = run.Cache[hook][0, .., neuron.Index].ToFloats(); // [pos]
                for (int p = 0; p < acts.Length; p++)
                {
                    if (heap.Count < k)
                        heap.Enqueue((acts[p], ti, p, ids), acts[p]);
                    else if (heap.TryPeek(out _, out double min) && acts[p] > min)
                        heap.EnqueueDequeue((acts[p], ti, p, ids), acts[p]);
                }
            }
            ti++;
            progress?.Invoke(ti);
        }
        var list = new List<TriggerExample>();
        while (heap.TryDequeue(out var e, out _))
        {
            int start = Math.Max(0, e.Pos - prefixTokens + 1);
            var window = e.Ids.Skip(start).Take(e.Pos - start + 1).ToList();
            string prefix = m.Tokenizer is null
                ? string.Join(" ", window.Select(i => "#" + i.ToString(CultureInfo.InvariantCulture)))
                : m.Tokenizer.Decode(window);
            list.Add(new TriggerExample(e.Act, e.Text, e.Pos, prefix, Unembedding.Text(m, e.Ids[e.Pos])));
        }
        list.Reverse();
        return list;
    }

    /// <summary>The neuron's value vector (column of W_out, centred over d_model for LayerNorm, final norm weight
    /// folded in) projected on the unembedding: the top promoted and the top suppressed tokens.</summary>
    public static (
        IReadOnlyList<Weights.TokenLogit> Promoted,
        IReadOnlyList<Weights.TokenLogit> Suppressed
    ) ValueTokens(HookedTransformer m, NeuronRef neuron, int k = 10)
    {
        Unembedding.RequireLm(m, "value-vector projection");
        using var scope = NewDisposeScope();
        var value = ValueVectors(m, neuron.Layer)[.., neuron.Index]; // [d_model]
        var logits = Unembedding.WU(m).matmul(value); // [d_vocab]
        return (Top(m, logits, k, 1), Top(m, logits, k, -1));
    }

    /// <summary>At each position of a text, the neuron sub-updates (over all layers) that most raise the model's
    /// predicted next token, through the final norm with its scale frozen.</summary>
    public static IReadOnlyList<PositionUpdates> SubUpdates(HookedTransformer m, IReadOnlyList<int> ids, int k = 5)
    {
        Unembedding.RequireLm(m, "sub-updates");
        var c = m.Config;
        if (!c.HasMlp)
            throw new InputException($"{m.Name} has no MLP layers");
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(ids, m.Device);
        string scaleName = HookPoints.LnFinalScale.Name();
        using var run = m.RunWithCache(batch, HookFilter.Of(HookPoints.LnFinalScale, HookPoints.MlpPost));
        var predicted = run.Output[0].argmax(-1); // [pos]
        var u = Unembedding.WU(m).index_select(0, predicted); // [pos, d_model]
        var scale = Unembedding.HasFinalNorm(m) ? run.Cache[scaleName][0] : ones(ids.Count, 1, device: m.Device); // [pos, 1]
        var effects = new List<Tensor>();
        for (int l = 0; l < c.NLayers; l++)
        {
            var proj = u.matmul(ValueVectors(m, l)); // [pos, d_mlp]
            effects.Add(run.Cache[HookPoints.MlpPost.Name(l)][0] * proj / scale);
        }
        var all = cat(effects.ToArray(), 1); // [pos, layers * d_mlp]
        int kk = (int)Math.Min(k, all.shape[1]);
        var (v, i) = all.topk(kk, -1);
        var acts = cat(
            Enumerable.Range(0, c.NLayers).Select(l => run.Cache[HookPoints.MlpPost.Name(l)][0]).ToArray(),
            1
        );
        var vv = v.ToFloats();
        var ii = i.contiguous().data<long>().ToArray();
        var av = acts.gather(1, i).ToFloats();
        var pred = predicted.data<long>().ToArray();
        var list = new List<PositionUpdates>();
        for (int p = 0; p < ids.Count; p++)
        {
            var top = Enumerable
                .Range(0, kk)
                .Where(j => vv[p * kk + j] > 0)
                .Select(j =>
                {
                    long flat = ii[p * kk + j];
                    return new SubUpdate(
                        new NeuronRef((int)(flat / c.DMlp), (int)(flat % c.DMlp)).ToString(),
                        av[p * kk + j],
                        vv[p * kk + j]
                    );
                })
                .ToList();
            list.Add(new PositionUpdates(p, Unembedding.Text(m, ids[p]), Unembedding.Text(m, (int)pred[p]), top));
        }
        return list;
    }

    /// <summary>Value vectors of one layer as they reach the unembedding: W_out columns, centred over d_model for
    /// LayerNorm, times the final norm weight. // [d_model, d_mlp]</summary>
    public static Tensor ValueVectors(HookedTransformer m, int layer)
    {
        var w = m.Weights[string.Create(CultureInfo.InvariantCulture, $"blocks.{layer}.mlp.W_out")]; // [d_model, d_mlp]
        return Unembedding.ThroughFinalNorm(m, w);
    }

    private static IReadOnlyList<Weights.TokenLogit> Top(HookedTransformer m, Tensor logits, int k, int sign)
    {
        var (v, i) = logits.MulScalar((long)sign).topk(Math.Min(k, (int)logits.shape[0]));
        var vv = v.ToFloats();
        var ii = i.data<long>().ToArray();
        return Enumerable
            .Range(0, vv.Length)
            .Select(j => new Weights.TokenLogit(Unembedding.Text(m, (int)ii[j]), sign * vv[j]))
            .ToList();
    }
}
