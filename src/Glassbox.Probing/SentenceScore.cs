namespace Glassbox.Probing;

/// <summary>A sentence's score under a language model.</summary>
/// <param name="LogProb">Total log-probability (natural log) of the scored tokens: causal LMs score every token
/// after the first (BOS when the tokenizer has one); masked LMs give the pseudo-log-likelihood (each token masked
/// in turn).</param>
/// <param name="TokenLogProbs">Log-probability of each scored token, in order.</param>
public sealed record SentenceScore(double LogProb, IReadOnlyList<double> TokenLogProbs)
{
    /// <summary>Number of scored tokens.</summary>
    public int Tokens => TokenLogProbs.Count;

    /// <summary>Per-token mean log-probability (0 when no token is scored).</summary>
    public double Mean => Tokens > 0 ? LogProb / Tokens : 0;
}
