using System.Globalization;
using Glassbox.Data;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Statistics;
using Glassbox.Tensors;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>Options of <see cref="MinimalPairScorer.Evaluate"/>.</summary>
public sealed record MinimalPairOptions
{
    /// <summary>Sentences per forward pass; null (default) picks <see cref="MinimalPairScorer.DefaultBatchSize"/>.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Bootstrap resamples for the 95% intervals (default 1000).</summary>
    public int Resamples { get; init; } = Bootstrap.DefaultResamples;

    /// <summary>Bootstrap seed.</summary>
    public int Seed { get; init; }

    /// <summary>Keep at most this many pairs per phenomenon (the first ones), if set.</summary>
    public int? LimitPerPhenomenon { get; init; }

    /// <summary>Hooks applied to every forward (e.g. an ablation), if any.</summary>
    public IReadOnlyList<Hook>? Hooks { get; init; }

    /// <summary>Progress callback: (sentences scored, total), for masked LMs counted in masked copies.</summary>
    public Action<int, int>? Progress { get; init; }
}

/// <summary>
/// Scores sentences with a language model and evaluates minimal pairs (BLiMP, Marvin &amp; Linzen): a pair is right
/// when the good sentence scores strictly higher than the bad one (ties are wrong). Causal LMs give the total
/// log-probability of the sentence's tokens (BOS prepended when the tokenizer has one, so the first word is scored
/// from BOS; without BOS the first token is not scored); masked LMs give the pseudo-log-likelihood.
/// </summary>
public static partial class MinimalPairScorer
{
    /// <summary>Chance accuracy of a two-way forced choice.</summary>
    public const double Chance = 0.5;

    /// <summary>Whether the model is scored by pseudo-log-likelihood (a bidirectional model with an LM head).</summary>
    public static bool IsMasked(HookedTransformer model) => !model.Config.Causal;

    /// <summary>The fast batch size on the 2-core build machine (docs/benchmarks.md, "BLiMP"): 64 sentences per
    /// forward for causal models (stories260K: 10.4x llama2.c's serial tokens/s against 9.8x at 16), 16 for masked
    /// models, whose pseudo-log-likelihood runs one copy per token of every sentence in the batch.</summary>
    public static int DefaultBatchSize(HookedTransformer model) => IsMasked(model) ? 16 : 64;

    /// <summary>Token ids as they are scored: for causal LMs BOS (if any) + the text's tokens; for masked LMs the
    /// text with the tokenizer's usual specials ([CLS] ... [SEP]).</summary>
    /// <exception cref="InputException">The model has no tokenizer.</exception>
    public static IReadOnlyList<IReadOnlyList<int>> Encode(HookedTransformer model, IReadOnlyList<string> sentences)
    {
        var tok = model.Tokenizer
            ?? throw new InputException($"{model.Name} was loaded without a tokenizer; sentences cannot be scored");
        if (IsMasked(model))
            return sentences.Select(s => tok.Encode(s, true).Ids).ToList();
        return sentences
            .Select(s =>
            {
                var ids = tok.Encode(s, false).Ids;
                return tok.BosId is int bos ? (IReadOnlyList<int>)ids.Prepend(bos).ToList() : ids;
            })
            .ToList();
    }

    /// <summary>Scores sentences (causal log-probability or masked pseudo-log-likelihood), batched.</summary>
    /// <exception cref="InputException">No tokenizer, no LM head, no [MASK] token (masked LMs), or a sentence is too long.</exception>
    public static IReadOnlyList<SentenceScore> ScoreSentences(
        HookedTransformer model,
        IReadOnlyList<string> sentences,
        int batchSize = 16,
        IReadOnlyList<Hook>? hooks = null,
        Action<int>? progress = null
    )
    {
        LmBatches.RequireHead(model, "minimal pairs");
        var ids = Encode(model, sentences);
        if (!IsMasked(model))
            return ScoreCausal(model, ids, batchSize, hooks, progress);
        var tok = model.Tokenizer!;
        var specials = new HashSet<int>(new[] { tok.BosId, tok.EosId, tok.PadId }.OfType<int>());
        return ScorePseudoLogLikelihood(model, ids, FindMaskId(tok, model.Name), specials, batchSize, hooks, progress);
    }

    /// <summary>Causal scoring of token-id sequences: token i (i ≥ 1) is scored from positions 0..i-1; the first
    /// token is context only (put BOS there). Sequences are sorted by length and run in right-padded batches.</summary>
    /// <exception cref="InputException">The model is not causal or has no LM head, or a sequence is too long.</exception>
    public static IReadOnlyList<SentenceScore> ScoreCausal(
        HookedTransformer model,
        IReadOnlyList<IReadOnlyList<int>> sequences,
        int batchSize = 16,
        IReadOnlyList<Hook>? hooks = null,
        Action<int>? progress = null
    )
    {
        LmBatches.RequireHead(model, "minimal pairs");
        if (!model.Config.Causal)
            throw new InputException($"{model.Name} is not causal; use pseudo-log-likelihood");
        var result = new SentenceScore[sequences.Count];
        var empty = new SentenceScore(0, Array.Empty<double>());
        var run = new List<int>();
        for (int i = 0; i < sequences.Count; i++)
            if (sequences[i].Count < 2)
                result[i] = empty;
            else
                run.Add(i);
        var seqs = run.Select(i => sequences[i]).ToList();
        LmBatches.Run(
            model,
            seqs,
            batchSize,
            hooks,
            (batch, idx, lp) =>
            {
                long p = batch.Length;
                var ids = batch.Ids.to(lp.device);
                // lp[b, j, ids[b, j+1]]: the log-probability of token j+1 given tokens 0..j.
                var g = lp.narrow(1, 0, p - 1).gather(2, ids.narrow(1, 1, p - 1).unsqueeze(2)).squeeze(2);
                var values = g.to(ScalarType.Float64).cpu().data<double>().ToArray();
                for (int r = 0; r < idx.Length; r++)
                {
                    int len = batch.Lengths[r];
                    var tokens = new double[len - 1];
                    for (int i = 1; i < len; i++)
                        tokens[i - 1] = values[r * (p - 1) + batch.PaddedIndex(r, i) - 1];
                    result[run[idx[r]]] = new SentenceScore(tokens.Sum(), tokens);
                }
            },
            progress
        );
        return result;
    }

    /// <summary>Pseudo-log-likelihood (Salazar et al. 2020): each token not in <paramref name="skip"/> is replaced by
    /// <paramref name="maskId"/> in its own copy, and its log-probability is read at that position. The masked copies
    /// of all sequences are batched together.</summary>
    /// <exception cref="InputException">The model has no LM head, or a sequence is too long.</exception>
    public static IReadOnlyList<SentenceScore> ScorePseudoLogLikelihood(
        HookedTransformer model,
        IReadOnlyList<IReadOnlyList<int>> sequences,
        int maskId,
        IReadOnlySet<int>? skip = null,
        int batchSize = 16,
        IReadOnlyList<Hook>? hooks = null,
        Action<int>? progress = null
    )
    {
        LmBatches.RequireHead(model, "minimal pairs");
        var copies = new List<IReadOnlyList<int>>();
        var owner = new List<(int Seq, int Pos, int Target)>();
        var scored = new List<int>[sequences.Count];
        for (int s = 0; s < sequences.Count; s++)
        {
            scored[s] = new List<int>();
            for (int i = 0; i < sequences[s].Count; i++)
            {
                if (skip?.Contains(sequences[s][i]) == true)
                    continue;
                var copy = sequences[s].ToArray();
                copy[i] = maskId;
                copies.Add(copy);
                owner.Add((s, i, sequences[s][i]));
                scored[s].Add(i);
            }
        }
        var values = new double[copies.Count];
        LmBatches.Run(
            model,
            copies,
            batchSize,
            hooks,
            (batch, idx, lp) =>
            {
                var rows = ScalarMath.Arange(idx.Length, ScalarType.Int64, lp.device);
                var pos = tensor(
                    idx.Select((c, r) => (long)batch.PaddedIndex(r, owner[c].Pos)).ToArray(),
                    device: lp.device
                );
                var tgt = tensor(idx.Select(c => (long)owner[c].Target).ToArray(), device: lp.device);
                var v = lp.index(new[] { rows, pos, tgt }).to(ScalarType.Float64).cpu().data<double>().ToArray();
                for (int r = 0; r < idx.Length; r++)
                    values[idx[r]] = v[r];
            },
            progress
        );
        var perSeq = Enumerable.Range(0, sequences.Count).Select(_ => new List<double>()).ToArray();
        for (int c = 0; c < copies.Count; c++)
            perSeq[owner[c].Seq].Add(values[c]); // copies are in position order
        return perSeq.Select(t => new SentenceScore(t.Sum(), t)).ToList();
    }

    /// <summary>The tokenizer's mask token id ([MASK] or &lt;mask&gt;).</summary>
    /// <exception cref="InputException">The vocabulary has no mask token.</exception>
    public static int FindMaskId(ITokenizer tokenizer, string modelName = "the model")
    {
        for (int i = 0; i < tokenizer.VocabSize; i++)
        {
            var t = tokenizer.TokenToString(i);
            if (t is "[MASK]" or "<mask>")
                return i;
        }
        throw new InputException($"{modelName}: the tokenizer has no [MASK] token; pseudo-log-likelihood needs one");
    }

    /// <summary>Evaluates minimal pairs: accuracy overall, per phenomenon and per group, with the sum criterion
    /// (total log-probability) and the mean criterion (per-token mean), 95% bootstrap intervals (pairs resampled
    /// within each phenomenon) and every pair's scores.</summary>
    /// <exception cref="InputException">No pairs, no tokenizer, no LM head, or no [MASK] token (masked LMs).</exception>
    public static MinimalPairResult Evaluate(
        HookedTransformer model,
        IReadOnlyList<MinimalPair> pairs,
        MinimalPairOptions? options = null
    )
    {
        var o = options ?? new MinimalPairOptions();
        LmBatches.RequireHead(model, "minimal pairs");
        pairs = Select(pairs, o);
        return Summarise(model.Name, Method(model), ScorePairs(model, pairs, o), o);
    }

    /// <summary>The pairs an evaluation scores: the first <see cref="MinimalPairOptions.LimitPerPhenomenon"/> of each
    /// phenomenon, in input order.</summary>
    /// <exception cref="InputException">A limit below 1, or no pairs.</exception>
    public static IReadOnlyList<MinimalPair> Select(IReadOnlyList<MinimalPair> pairs, MinimalPairOptions options)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(options);
        if (options.LimitPerPhenomenon is int lim)
        {
            if (lim < 1)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"the per-phenomenon limit must be at least 1, got {lim}"
                    )
                );
            pairs = pairs.GroupBy(p => p.Phenomenon).SelectMany(g => g.Take(lim)).ToList();
        }
        if (pairs.Count == 0)
            throw new InputException("no minimal pairs to evaluate");
        return pairs;
    }

    /// <summary>How sentences are scored: log-probability (causal) or pseudo-log-likelihood (masked).</summary>
    public static string Method(HookedTransformer model) =>
        IsMasked(model) ? "pseudo-log-likelihood" : "log-probability";

    /// <summary>Scores every pair (good and bad sentence), in order; progress counts sentences (causal) or scored
    /// tokens (masked).</summary>
    public static IReadOnlyList<PairScore> ScorePairs(
        HookedTransformer model,
        IReadOnlyList<MinimalPair> pairs,
        MinimalPairOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(options);
        var o = options;
        var sentences = pairs.SelectMany(p => new[] { p.Good, p.Bad }).ToList();
        int done = 0,
            total = IsMasked(model) ? -1 : sentences.Count;
        if (total < 0)
        {
            var tok = model.Tokenizer
                ?? throw new InputException($"{model.Name} was loaded without a tokenizer; sentences cannot be scored");
            var sp = new HashSet<int>(new[] { tok.BosId, tok.EosId, tok.PadId }.OfType<int>());
            total = Encode(model, sentences).Sum(s => s.Count(id => !sp.Contains(id)));
        }
        var scores = ScoreSentences(model, sentences, o.BatchSize ?? DefaultBatchSize(model), o.Hooks, n =>
        {
            done += n;
            o.Progress?.Invoke(done, total);
        });
        return pairs
            .Select(
                (p, i) =>
                    new PairScore(
                        p.Phenomenon,
                        p.Group,
                        scores[2 * i].LogProb,
                        scores[2 * i + 1].LogProb,
                        scores[2 * i].Mean,
                        scores[2 * i + 1].Mean
                    )
            )
            .ToList();
    }
}
