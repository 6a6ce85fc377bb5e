using System.Globalization;
using Glassbox.Models;
using Glassbox.Statistics;
using Glassbox.Tokenization;

namespace Glassbox.Neurons;

/// <summary>One model and the hooks of it to compare (each hook's last axis holds the units).</summary>
/// <param name="Model">The model.</param>
/// <param name="Hooks">Full hook names, e.g. <c>blocks.2.mlp.hook_post</c>.</param>
public sealed record CorrespondenceSource(HookedTransformer Model, IReadOnlyList<string> Hooks);

/// <summary>Options of <see cref="CorrespondenceExperiment"/>.</summary>
public sealed record CorrespondenceOptions
{
    /// <summary>Most word rows used: leading sentences are taken while their words fit. Memory and time grow with
    /// its square (one n×n Gram matrix per representation). Default 1000.</summary>
    public int MaxRows { get; init; } = 1000;

    /// <summary>Sentence-cluster bootstrap resamples of every CKA (0: point estimates only). Default 100.</summary>
    public int Resamples { get; init; } = 100;

    /// <summary>Row shufflings averaged into the control CKA. Default 3.</summary>
    public int Permutations { get; init; } = 3;

    /// <summary>Variance share kept by SVCCA's SVD step. Default 0.99.</summary>
    public double SvccaVariance { get; init; } = 0.99;

    /// <summary>Units listed in the ranking. Default 20.</summary>
    public int TopUnits { get; init; } = 20;

    /// <summary>Seed of the bootstrap and the shufflings. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>How a word's subword vectors become one row. Default: the first subword.</summary>
    public Pooling Pooling { get; init; } = Pooling.First;

    /// <summary>Progress: (done, total) of sentences extracted, then of bootstrap resamples.</summary>
    public Action<int, int>? Progress { get; init; }

    internal void Validate()
    {
        if (MaxRows < 3)
            throw new InputException("--max-rows must be at least 3");
        if (Resamples < 0)
            throw new InputException("--resamples must be 0 or more");
        if (Permutations < 1)
            throw new InputException("--permutations must be at least 1");
        if (SvccaVariance is <= 0 or > 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--svcca-variance must be in (0, 1], got {SvccaVariance}")
            );
        if (TopUnits < 1)
            throw new InputException("--top must be at least 1");
    }
}

/// <summary>A compared representation.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Hook">Hook name.</param>
/// <param name="Units">Width of the hook's unit axis.</param>
/// <param name="SvccaDimensions">Singular directions SVCCA kept for it.</param>
public sealed record CorrespondedRepresentation(string Model, string Hook, int Units, int SvccaDimensions)
{
    /// <summary>"model:hook".</summary>
    public string Label => Model + ":" + Hook;

    /// <summary>A compact label: the hook without "blocks." and "hook_" (3.mlp.post), after the model when asked.</summary>
    public string ShortLabel(bool withModel)
    {
        string hook = Hook.Replace("blocks.", "", StringComparison.Ordinal)
            .Replace("hook_", "", StringComparison.Ordinal);
        return withModel ? Model + ":" + hook : hook;
    }
}

/// <summary>The similarity of two representations.</summary>
/// <param name="A">Index of the first representation.</param>
/// <param name="B">Index of the second.</param>
/// <param name="Cka">Debiased linear CKA with its sentence-cluster bootstrap interval.</param>
/// <param name="BiasedCka">The original linear CKA (Kornblith et al. 2019), biased upwards when rows are few for the
/// width; for comparison with published values.</param>
/// <param name="ControlCka">Debiased CKA with the rows of one side shuffled: what no correspondence gives (about 0).</param>
/// <param name="Svcca">SVCCA, the mean canonical correlation of the two kept subspaces.</param>
/// <param name="ControlSvcca">SVCCA with the rows of one side shuffled: high when many directions are kept over few
/// rows, so only SVCCA above it means shared structure.</param>
public sealed record RepresentationPair(
    int A,
    int B,
    Interval Cka,
    double BiasedCka,
    double ControlCka,
    double Svcca,
    double ControlSvcca
);

/// <summary>A unit of the reference representation and how well the other representations match it (Bau et al.).</summary>
/// <param name="Rank">1-based rank by <paramref name="MaxCorr"/>.</param>
/// <param name="Unit">Unit index on the reference hook.</param>
/// <param name="MaxCorr">Largest |r| with any unit of any other representation.</param>
/// <param name="MinCorr">Smallest, over the other representations, of the largest |r| in each.</param>
/// <param name="LinReg">Mean R² of a ridge prediction of the unit from each other representation.</param>
public sealed record UnitMatch(int Rank, int Unit, double MaxCorr, double MinCorr, double LinReg);

/// <summary>Result of <see cref="CorrespondenceExperiment.Run"/>. Matrices are [representations, representations],
/// symmetric, in the order of <see cref="Representations"/>.</summary>
/// <param name="Representations">The compared representations; the first is the ranking's reference.</param>
/// <param name="Rows">Word rows common to every model.</param>
/// <param name="Sentences">Sentences those words come from (the bootstrap's clusters).</param>
/// <param name="TruncatedSentences">Sentences some model cut at its context length (their cut words are left out).</param>
/// <param name="Cka">Debiased linear CKA of every pair.</param>
/// <param name="BiasedCka">Original (biased) linear CKA of every pair.</param>
/// <param name="ControlCka">Row-shuffled control (debiased) CKA of every pair.</param>
/// <param name="Svcca">SVCCA of every pair.</param>
/// <param name="Pairs">Each pair once, with the CKA interval.</param>
/// <param name="RankedAgainst">Representations the reference's units were matched in.</param>
/// <param name="TopUnits">Reference units by maxcorr.</param>
/// <param name="ControlMaxCorr">Largest maxcorr of any reference unit when the other rows are shuffled.</param>
/// <param name="SvccaVariance">Variance share SVCCA kept.</param>
public sealed record CorrespondenceResult(
    IReadOnlyList<CorrespondedRepresentation> Representations,
    int Rows,
    int Sentences,
    int TruncatedSentences,
    double[][] Cka,
    double[][] BiasedCka,
    double[][] ControlCka,
    double[][] Svcca,
    IReadOnlyList<RepresentationPair> Pairs,
    IReadOnlyList<int> RankedAgainst,
    IReadOnlyList<UnitMatch> TopUnits,
    double ControlMaxCorr,
    double SvccaVariance
);
