namespace Glassbox.Probing;

/// <summary>Options of <see cref="BuiltInProbes"/>: which data the probing sections of the <c>explain</c> report use and
/// how much of it, so the default report stays a few minutes on 2 cores.</summary>
public sealed record BuiltInProbeOptions
{
    /// <summary>Generated sentences per built-in task (template grammar for sentence, structural and head probes; the
    /// noun/verb-ambiguous generator for UPOS when the treebank is absent). 80% train, 20% test. Default 400.</summary>
    public int Sentences { get; init; } = 400;

    /// <summary>Seed of the generated data, the splits, the probes and the bootstrap. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Use the third-party data in <c>../shared/data</c> (see <c>SharedData</c>) when it is present: UD EWT for
    /// UPOS and the attention-head analyses, BLiMP for minimal pairs of causal LMs. False: built-in data only.</summary>
    public bool UseSharedData { get; init; } = true;

    /// <summary>UPOS on UD EWT: the first this many sentences of <c>en_ewt-ud-dev.conllu</c>, split 80/20 by sentence
    /// with <see cref="Seed"/>. Default 500 (about 6,000 words).</summary>
    public int TreebankSentences { get; init; } = 500;

    /// <summary>Attention-head analyses: the first this many UD EWT sentences, or of the generated sentences without the
    /// treebank (head masking re-encodes the last 20% once per head). Default 100.</summary>
    public int HeadSentences { get; init; } = 100;

    /// <summary>BLiMP (causal LMs only): at most this many pairs per phenomenon, the first ones. Default 20.</summary>
    public int BlimpPairsPerPhenomenon { get; init; } = 20;

    /// <summary>Mask every head in turn (LM loss for causal LMs, a UPOS probe's accuracy for encoders). Default true.</summary>
    public bool HeadMasking { get; init; } = true;

    /// <summary>The <c>--model</c> argument for the "Reproduce:" lines (e.g. <c>minilm</c>); null: the model's name.</summary>
    public string? ModelArgument { get; init; }
}
