using Glassbox.Statistics;
using Glassbox.Tokenization;
using static TorchSharp.torch;

namespace Glassbox.Concepts.Compositional;

/// <summary>How the explained units of a layer are chosen.</summary>
public enum UnitRanking
{
    /// <summary>The units with the largest activation variance over the words.</summary>
    Variance,

    /// <summary>The units with the largest importance to the UPOS probe.</summary>
    Importance,
}

/// <summary>Which units of a layer to explain: explicit indices, or the top <paramref name="Top"/> by a ranking.</summary>
/// <param name="Indices">Unit indices (null: rank).</param>
/// <param name="Top">How many units to take when ranking.</param>
/// <param name="By">The ranking.</param>
public sealed record UnitSelection(IReadOnlyList<int>? Indices, int Top = 10, UnitRanking By = UnitRanking.Variance);

/// <summary>SAE features as units: the caller's encoder maps hook rows to feature activations.</summary>
/// <param name="Hook">The hook the SAE reads.</param>
/// <param name="Encode">Maps rows [n, d_hook] to feature activations [n, features] (called inside a dispose scope).</param>
/// <param name="Label">What to call the units ("sae feature").</param>
public sealed record FeatureUnits(string Hook, Func<Tensor, Tensor> Encode, string Label = "SAE feature");

/// <summary>Options of <see cref="CompositionalExplainer.Run"/>.</summary>
public sealed record CompositionalOptions
{
    /// <summary>Layers whose MLP neurons (<c>mlp.hook_post</c>) are explained; ignored with <see cref="Features"/>.</summary>
    public IReadOnlyList<int> Layers { get; init; } = new[] { 0 };

    /// <summary>SAE features instead of neurons (null: neurons).</summary>
    public FeatureUnits? Features { get; init; }

    /// <summary>Which units to explain. Default: the top 10 by variance.</summary>
    public UnitSelection Units { get; init; } = new(null);

    /// <summary>The fraction of words a unit fires on (top quantile). Default 0.005 (Mu and Andreas).</summary>
    public double Quantile { get; init; } = 0.005;

    /// <summary>Beam search options.</summary>
    public BeamOptions Beam { get; init; } = new();

    /// <summary>Atom options.</summary>
    public AtomOptions Atoms { get; init; } = new();

    /// <summary>Word lists used as <c>lex:</c> atoms (e.g. the opinion lexicon); null: none.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>>? Lexicons { get; init; }

    /// <summary>A word's activation is that of its first subword (default), last subword or the mean.</summary>
    public Pooling Pooling { get; init; } = Pooling.First;

    /// <summary>Train the UPOS probe and report unit importance. Default true.</summary>
    public bool Importance { get; init; } = true;

    /// <summary>Seed of the probe, the shuffled-unit control and the bootstrap.</summary>
    public int Seed { get; init; }

    /// <summary>Bootstrap resamples for the intervals. Default 1000.</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Fraction of sentences held out of the search: each unit's best formula and best atom are scored again
    /// on their words. Default 0.2; 0 searches on every word (and reports no held-out IoU).</summary>
    public double HeldOut { get; init; } = 0.2;

    /// <summary>Per-unit open-class atoms: the words each unit fires on most (not already atoms) are added as
    /// <c>word:</c> atoms for its own search, as Mu and Andreas do. Default 0 (only the shared frequent-word atoms).</summary>
    public int UnitWords { get; init; }

    /// <summary>Run the same search on the same units of a randomly initialised copy of the model (Mu and Andreas's
    /// other control: what formulas explain in a network that learnt nothing). Neurons only. Default true.</summary>
    public bool RandomInitControl { get; init; } = true;

    /// <summary>Sentences per forward pass.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Status callback for long runs.</summary>
    public Action<string>? Progress { get; init; }
}

/// <summary>The explanation of one unit.</summary>
/// <param name="Layer">Layer.</param>
/// <param name="Hook">Hook read.</param>
/// <param name="Unit">Unit index (neuron or feature).</param>
/// <param name="Active">Words on which the unit fires (above the threshold).</param>
/// <param name="Threshold">Binarisation threshold (the activation quantile).</param>
/// <param name="Importance">Importance to the UPOS probe (sum over classes of |weight| on the standardised unit);
/// NaN when not computed.</param>
/// <param name="Best">Best formula (null when the unit never fires).</param>
/// <param name="BestSingleAtom">Best single atom (null when the unit never fires).</param>
/// <param name="BestByLength">Best formula of each length.</param>
/// <param name="Control">Control: the best formula for the unit's mask shuffled over the words (same search).</param>
public sealed record UnitExplanation(
    int Layer,
    string Hook,
    int Unit,
    int Active,
    double Threshold,
    double Importance,
    ScoredFormula? Best,
    ScoredFormula? BestSingleAtom,
    IReadOnlyList<ScoredFormula> BestByLength,
    ScoredFormula? Control
)
{
    /// <summary>IoU of <see cref="Best"/> on the held-out sentences' words (NaN when nothing was held out).</summary>
    public double HeldOutIou { get; init; } = double.NaN;

    /// <summary>IoU of <see cref="BestSingleAtom"/> on the held-out words.</summary>
    public double HeldOutSingleAtomIou { get; init; } = double.NaN;

    /// <summary>Best formula IoU of the same unit in a randomly initialised copy of the model (NaN when not run or
    /// when that unit never fires).</summary>
    public double RandomInitIou { get; init; } = double.NaN;
}

/// <summary>Per-layer facts.</summary>
/// <param name="Layer">Layer.</param>
/// <param name="Hook">Hook read.</param>
/// <param name="Width">Number of units at the hook.</param>
/// <param name="ProbeAccuracy">UPOS probe dev accuracy (NaN when no probe was trained).</param>
public sealed record LayerFacts(int Layer, string Hook, int Width, double ProbeAccuracy);

/// <summary>Result of a compositional-explanation run.</summary>
/// <param name="Sentences">Sentences read.</param>
/// <param name="Words">Words (rows) analysed.</param>
/// <param name="Atoms">Number of atomic concepts.</param>
/// <param name="AtomsPerCategory">Atoms per category.</param>
/// <param name="Quantile">Binarisation quantile.</param>
/// <param name="MaxLength">Maximum formula length.</param>
/// <param name="Beam">Beam size.</param>
/// <param name="Pooling">Subword pooling of word activations.</param>
/// <param name="Layers">Per-layer facts.</param>
/// <param name="Units">Per-unit explanations.</param>
/// <param name="IouByLength">Mean IoU of the best formula of each length over the units that fire (index 0 = length 1).</param>
/// <param name="BestIou">Mean IoU of the best formula.</param>
/// <param name="ControlIou">Mean IoU of the best formula for the shuffled units (the control).</param>
/// <param name="ImportanceVsIou">Pearson correlation between probe importance and best IoU over units.</param>
/// <param name="ImportanceVsGain">Pearson correlation between probe importance and the IoU gain of the best formula
/// over the best single atom.</param>
/// <param name="FormulasScored">Candidate formulas scored in all searches.</param>
/// <param name="SearchSeconds">Wall time of all beam searches (not the model run or the probes).</param>
public sealed record CompositionalResult(
    int Sentences,
    int Words,
    int Atoms,
    IReadOnlyDictionary<string, int> AtomsPerCategory,
    double Quantile,
    int MaxLength,
    int Beam,
    string Pooling,
    IReadOnlyList<LayerFacts> Layers,
    IReadOnlyList<UnitExplanation> Units,
    IReadOnlyList<Interval> IouByLength,
    Interval BestIou,
    Interval ControlIou,
    Interval? ImportanceVsIou,
    Interval? ImportanceVsGain,
    long FormulasScored,
    double SearchSeconds
)
{
    /// <summary>Fraction of sentences held out of the search (0: none; IoUs above are then on the searched words).</summary>
    public double HeldOutFraction { get; init; }

    /// <summary>Words of the held-out sentences.</summary>
    public int HeldOutWords { get; init; }

    /// <summary>Mean held-out IoU of the best formula over the units that fire (null without a split).</summary>
    public Interval? HeldOutBestIou { get; init; }

    /// <summary>Mean held-out IoU of the best single atom.</summary>
    public Interval? HeldOutSingleAtomIou { get; init; }

    /// <summary>Mean best-formula IoU of the same units in a randomly initialised model (null when not run).</summary>
    public Interval? RandomInitIou { get; init; }
}
