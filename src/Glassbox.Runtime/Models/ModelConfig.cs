using System.Globalization;

namespace Glassbox.Models;

/// <summary>Normalisation layer kind.</summary>
public enum NormKind
{
    /// <summary>LayerNorm with weight and bias (GPT-2, BERT, NeoX).</summary>
    LayerNorm,

    /// <summary>RMSNorm with weight only (Llama family).</summary>
    RmsNorm,

    /// <summary>No normalisation (attention-only toy models).</summary>
    None,
}

/// <summary>How positions enter the model.</summary>
public enum PositionKind
{
    /// <summary>A learned absolute position embedding added to the token embedding.</summary>
    Learned,

    /// <summary>Rotary embeddings applied to queries and keys (rotate-half convention, as in HF Llama/NeoX).</summary>
    Rotary,

    /// <summary>No positional information.</summary>
    None,
}

/// <summary>MLP activation function.</summary>
public enum ActivationKind
{
    /// <summary>Exact (erf) GELU.</summary>
    Gelu,

    /// <summary>Tanh-approximated GELU ("gelu_new", GPT-2).</summary>
    GeluTanh,

    /// <summary>SiLU / swish (Llama).</summary>
    Silu,

    /// <summary>ReLU.</summary>
    Relu,
}

/// <summary>
/// Architecture-neutral description of a transformer. A family (GPT-2, Llama, BERT, NeoX) is a reader that
/// fills this record from its own config file plus a weight-key map; the runtime only reads this record.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Most layers a config may declare.</summary>
    public const int MaxLayers = 4096;

    /// <summary>Largest width (d_model, d_mlp, heads, head width) a config may declare.</summary>
    public const int MaxWidth = 1 << 20;

    /// <summary>Largest vocabulary a config may declare.</summary>
    public const int MaxVocab = 1 << 24;

    /// <summary>Longest context a config may declare (rotary tables are sized by it).</summary>
    public const int MaxContext = 1 << 22;

    /// <summary>Family name, e.g. "gpt2", "llama", "bert", "gpt_neox".</summary>
    public required string Architecture { get; init; }

    /// <summary>Residual stream width.</summary>
    public required int DModel { get; init; }

    /// <summary>Number of transformer blocks.</summary>
    public required int NLayers { get; init; }

    /// <summary>Number of query heads.</summary>
    public required int NHeads { get; init; }

    /// <summary>Number of key/value heads (grouped-query attention when smaller than <see cref="NHeads"/>).</summary>
    public int NKvHeads { get; init; }

    /// <summary>Width of one head.</summary>
    public int DHead { get; init; }

    /// <summary>MLP hidden width (0 for attention-only models).</summary>
    public int DMlp { get; init; }

    /// <summary>Vocabulary size.</summary>
    public required int DVocab { get; init; }

    /// <summary>Maximum context length.</summary>
    public required int NCtx { get; init; }

    /// <summary>Normalisation kind.</summary>
    public NormKind Norm { get; init; } = NormKind.LayerNorm;

    /// <summary>Normalisation epsilon.</summary>
    public double NormEps { get; init; } = 1e-5;

    /// <summary>Positional scheme.</summary>
    public PositionKind Positions { get; init; } = PositionKind.Learned;

    /// <summary>Number of leading head dimensions that are rotated (partial rotary in NeoX); 0 means all of them.</summary>
    public int RotaryDim { get; init; }

    /// <summary>Rotary base (theta).</summary>
    public double RotaryBase { get; init; } = 10000.0;

    /// <summary>MLP activation.</summary>
    public ActivationKind Activation { get; init; } = ActivationKind.Gelu;

    /// <summary>Gated MLP (SwiGLU): out(act(gate(x)) * in(x)).</summary>
    public bool GatedMlp { get; init; }

    /// <summary>Parallel attention and MLP reading the same residual (NeoX use_parallel_residual).</summary>
    public bool ParallelAttnMlp { get; init; }

    /// <summary>Post-LayerNorm blocks (BERT): norm after each residual addition.</summary>
    public bool PostNorm { get; init; }

    /// <summary>Causal (decoder) attention; false for bidirectional encoders.</summary>
    public bool Causal { get; init; } = true;

    /// <summary>Sliding-window attention: a query sees itself and the <c>SlidingWindow - 1</c> tokens before it
    /// (HF <c>kv_idx &gt; q_idx - sliding_window</c>); 0 means full causal attention.</summary>
    public int SlidingWindow { get; init; }

    /// <summary>First layer that uses <see cref="SlidingWindow"/>; earlier layers attend fully (HF Qwen2
    /// <c>max_window_layers</c>). 0 (the default) windows every layer, as Mistral does.</summary>
    public int SlidingWindowFromLayer { get; init; }

    /// <summary>Attention only: blocks have no MLP.</summary>
    public bool AttnOnly { get; init; }

    /// <summary>Number of token types (segment embeddings, BERT); 0 for none.</summary>
    public int NTokenTypes { get; init; }

    /// <summary>Normalise the embeddings before the first block (BERT).</summary>
    public bool EmbedNorm { get; init; }

    /// <summary>A final normalisation before the unembedding (pre-norm models).</summary>
    public bool FinalNorm { get; init; } = true;

    /// <summary>Whether the model has an unembedding (language-model head).</summary>
    public bool HasUnembed { get; init; } = true;

    /// <summary>The unembedding shares the token-embedding matrix.</summary>
    public bool TiedEmbeddings { get; init; }

    /// <summary>Biases on Q, K and V projections.</summary>
    public bool AttnQkvBias { get; init; }

    /// <summary>Bias on the attention output projection.</summary>
    public bool AttnOutBias { get; init; }

    /// <summary>Biases on MLP projections.</summary>
    public bool MlpBias { get; init; }

    /// <summary>Bias on the unembedding.</summary>
    public bool UnembedBias { get; init; }

    /// <summary>Beginning-of-sequence token id, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence token id, if any.</summary>
    public int? EosTokenId { get; init; }

    /// <summary>Padding token id, if any.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Effective number of KV heads.</summary>
    public int KvHeads => NKvHeads > 0 ? NKvHeads : NHeads;

    /// <summary>Effective head width.</summary>
    public int HeadDim => DHead > 0 ? DHead : DModel / NHeads;

    /// <summary>Effective rotary width.</summary>
    public int RotaryWidth => RotaryDim > 0 ? RotaryDim : HeadDim;

    /// <summary>Whether layer <paramref name="layer"/> attends through the sliding window.</summary>
    /// <param name="layer">0-based layer index.</param>
    /// <returns>True when the layer's attention is windowed.</returns>
    public bool IsSlidingLayer(int layer) => SlidingWindow > 0 && layer >= SlidingWindowFromLayer;

    /// <summary>Whether blocks have an MLP.</summary>
    public bool HasMlp => !AttnOnly && DMlp > 0;

    /// <summary>Checks internal consistency and throws <see cref="ConfigException"/> listing every problem, fields named
    /// as <see cref="ModelConfig"/> properties (family config readers translate them to config.json keys instead).</summary>
    /// <returns>This config.</returns>
    /// <exception cref="ConfigException">One or more problems from <see cref="Problems"/>.</exception>
    public ModelConfig Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
            throw new ConfigException(
                $"invalid config ({Architecture}): {string.Join("; ", problems.Select(p => p.Describe()))}"
            );
        return this;
    }

    /// <summary>Every internal-consistency problem of this config (empty when it is valid).</summary>
    /// <returns>The problems, each naming the fields involved.</returns>
    public IReadOnlyList<ConfigProblem> Problems()
    {
        var p = new List<ConfigProblem>();
        void Add(string format, params (string Field, object? Value)[] fields) =>
            p.Add(new ConfigProblem(format, fields.Select(f => new ConfigProblemField(f.Field, f.Value)).ToArray()));
        void Positive(int v, string field)
        {
            if (v <= 0)
                Add("{0} must be positive", (field, v));
        }
        Positive(DModel, nameof(DModel));
        Positive(NLayers, nameof(NLayers));
        Positive(NHeads, nameof(NHeads));
        Positive(DVocab, nameof(DVocab));
        Positive(NCtx, nameof(NCtx));
        // Upper bounds far above any published model, so that a hostile config cannot make the reader enumerate
        // billions of layers or size position tables before a single weight is checked.
        void AtMost(int v, int max, string field)
        {
            if (v > max)
                Add(string.Create(CultureInfo.InvariantCulture, $"{{0}} exceeds the limit of {max}"), (field, v));
        }
        AtMost(NLayers, MaxLayers, nameof(NLayers));
        AtMost(DModel, MaxWidth, nameof(DModel));
        AtMost(NHeads, MaxWidth, nameof(NHeads));
        AtMost(NKvHeads, MaxWidth, nameof(NKvHeads));
        AtMost(DHead, MaxWidth, nameof(DHead));
        AtMost(DMlp, MaxWidth, nameof(DMlp));
        AtMost(DVocab, MaxVocab, nameof(DVocab));
        AtMost(NCtx, MaxContext, nameof(NCtx));
        AtMost(NTokenTypes, MaxVocab, nameof(NTokenTypes));
        if (!AttnOnly)
            Positive(DMlp, nameof(DMlp));
        if (NKvHeads < 0)
            Add("{0} must not be negative", (nameof(NKvHeads), NKvHeads));
        else if (NKvHeads > 0 && NHeads > 0 && NHeads % NKvHeads != 0)
            Add("{0} does not divide {1}", (nameof(NKvHeads), NKvHeads), (nameof(NHeads), NHeads));
        bool headKnown = false;
        if (DHead < 0)
            Add("{0} must not be negative", (nameof(DHead), DHead));
        else if (DHead > 0)
            headKnown = true;
        else if (NHeads > 0 && DModel > 0)
        {
            if (DModel % NHeads != 0)
                Add("{0} does not divide {1}", (nameof(NHeads), NHeads), (nameof(DModel), DModel));
            else
                headKnown = true;
        }
        if (Positions == PositionKind.Rotary)
        {
            if (headKnown && (RotaryDim < 0 || RotaryWidth % 2 != 0 || RotaryWidth > HeadDim))
                Add(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{{0}} gives a rotary width of {RotaryWidth}, which must be even, positive and at most the head width {HeadDim}"
                    ),
                    (nameof(RotaryDim), RotaryDim)
                );
            if (!(RotaryBase > 0))
                Add("{0} must be positive", (nameof(RotaryBase), RotaryBase));
        }
        if (!(NormEps > 0))
            Add("{0} must be positive", (nameof(NormEps), NormEps));
        if (SlidingWindow < 0)
            Add("{0} must not be negative", (nameof(SlidingWindow), SlidingWindow));
        else if (SlidingWindow > 0 && !Causal)
            Add("{0} needs a causal model", (nameof(SlidingWindow), SlidingWindow));
        if (SlidingWindowFromLayer < 0)
            Add("{0} must not be negative", (nameof(SlidingWindowFromLayer), SlidingWindowFromLayer));
        if (NTokenTypes < 0)
            Add("{0} must not be negative", (nameof(NTokenTypes), NTokenTypes));
        return p;
    }
}
