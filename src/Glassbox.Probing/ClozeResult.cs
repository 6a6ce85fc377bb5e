using Glassbox.Statistics;

namespace Glassbox.Probing;

/// <summary>How a fact's object was ranked.</summary>
public enum ClozeMode
{
    /// <summary>The object's (first) token ranked among the whole vocabulary at the [Y] slot.</summary>
    Vocabulary,

    /// <summary>The gold object ranked among the relation's gold objects by the score of the filled sentence.</summary>
    Candidates,
}

/// <summary>One fact's outcome.</summary>
/// <param name="Relation">Relation id.</param>
/// <param name="Subject">Subject.</param>
/// <param name="Object">Gold object.</param>
/// <param name="Template">Template used.</param>
/// <param name="Mode">Ranking mode.</param>
/// <param name="Rank">1-based rank of the gold object (ties rank below the gold: pessimistic).</param>
/// <param name="Top">Top prediction (a token, or a candidate object).</param>
public sealed record ClozeFactRank(
    string Relation,
    string Subject,
    string Object,
    string Template,
    ClozeMode Mode,
    int Rank,
    string Top
);

/// <summary>Precision@k of one relation (or of all facts).</summary>
/// <param name="Relation">Relation id ("(all)" overall).</param>
/// <param name="Mode">Ranking mode (of the first template when several modes occur).</param>
/// <param name="Count">Number of facts.</param>
/// <param name="Candidates">Candidate-set size in candidate mode; the vocabulary size in vocabulary mode.</param>
/// <param name="P1">Precision@1 with its 95% bootstrap interval.</param>
/// <param name="P5">Precision@5.</param>
/// <param name="P10">Precision@10.</param>
public sealed record ClozePrecision(
    string Relation,
    ClozeMode Mode,
    int Count,
    int Candidates,
    Interval P1,
    Interval P5,
    Interval P10
);

/// <summary>P@1 of one template of a relation.</summary>
/// <param name="Template">Template.</param>
/// <param name="P1">Precision@1 with its interval.</param>
/// <param name="Mode">Ranking mode used for this template.</param>
public sealed record TemplatePrecision(string Template, Interval P1, ClozeMode Mode);

/// <summary>How much a relation's P@1 depends on the wording of its template.</summary>
/// <param name="Relation">Relation id.</param>
/// <param name="Templates">P@1 per paraphrase.</param>
/// <param name="Spread">Max minus min P@1 over the paraphrases.</param>
/// <param name="Std">Population standard deviation of P@1 over the paraphrases.</param>
public sealed record PromptSensitivity(
    string Relation,
    IReadOnlyList<TemplatePrecision> Templates,
    double Spread,
    double Std
);

/// <summary>The result of a cloze (LAMA-style) probe.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Overall">Precision@k over all facts (intervals resample facts within each relation).</param>
/// <param name="Relations">Per relation, ordered by id.</param>
/// <param name="Sensitivity">Prompt sensitivity per relation that has paraphrases.</param>
/// <param name="Facts">Every fact's rank, in input order.</param>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="Seed">Bootstrap seed.</param>
public sealed record ClozeResult(
    string Model,
    ClozePrecision Overall,
    IReadOnlyList<ClozePrecision> Relations,
    IReadOnlyList<PromptSensitivity> Sensitivity,
    IReadOnlyList<ClozeFactRank> Facts,
    int Resamples,
    int Seed
);
