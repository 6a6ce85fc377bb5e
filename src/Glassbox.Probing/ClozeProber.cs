using System.Globalization;
using Glassbox.Data;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>Options of <see cref="ClozeProber.Evaluate"/>.</summary>
public sealed record ClozeOptions
{
    /// <summary>Sequences per forward pass (default 16).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Bootstrap resamples (default 1000).</summary>
    public int Resamples { get; init; } = Bootstrap.DefaultResamples;

    /// <summary>Bootstrap seed.</summary>
    public int Seed { get; init; }

    /// <summary>Keep at most this many facts per relation (the first ones), if set.</summary>
    public int? LimitPerRelation { get; init; }

    /// <summary>Paraphrased templates per relation id, for prompt sensitivity (optional).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Paraphrases { get; init; }

    /// <summary>Hooks applied to every forward, if any.</summary>
    public IReadOnlyList<Hook>? Hooks { get; init; }

    /// <summary>Progress callback: (facts ranked, total), paraphrase runs included.</summary>
    public Action<int, int>? Progress { get; init; }
}

/// <summary>
/// LAMA-style factual probing. Each template has [X] (subject) and [Y] (object). When [Y] ends the template (only
/// punctuation after it) and every object of the relation is one token after the prefix, the template is cut at [Y]
/// and the object's token is ranked among the whole vocabulary by the next-token distribution (masked LMs: at a
/// [MASK] in the slot). Otherwise (mid-sentence slot, multi-token objects) the relation's gold objects are the
/// candidates and each filled sentence is scored whole (<see cref="MinimalPairScorer"/>): the gold object's rank
/// among them is used.
/// </summary>
public static class ClozeProber
{
    private sealed record Prepared(
        ClozeFact Fact,
        string Filled,
        string Prefix,
        IReadOnlyList<int>? Sequence,
        int Position,
        int Target
    );

    /// <summary>Ranks the facts and reports precision@1/5/10 per relation (with 95% bootstrap intervals) and, when
    /// paraphrases are given, P@1 per template with its spread.</summary>
    /// <exception cref="InputException">No facts, a template without [X]/[Y], no tokenizer or no LM head.</exception>
    public static ClozeResult Evaluate(
        HookedTransformer model,
        IReadOnlyList<ClozeFact> facts,
        ClozeOptions? options = null
    )
    {
        var o = options ?? new ClozeOptions();
        facts = Select(model, facts, o);
        var (ranks, paraphrased) = RankAll(model, facts, o);
        return Summarise(model.Name, model.Config.DVocab, ranks, paraphrased, o);
    }

    /// <summary>Checks the model and picks the facts an evaluation ranks: the first
    /// <see cref="ClozeOptions.LimitPerRelation"/> of each relation, in input order.</summary>
    /// <exception cref="InputException">No tokenizer or LM head, a limit below 1, or no facts.</exception>
    public static IReadOnlyList<ClozeFact> Select(
        HookedTransformer model,
        IReadOnlyList<ClozeFact> facts,
        ClozeOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(options);
        LmBatches.RequireHead(model, "cloze probes");
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} was loaded without a tokenizer; cloze probes need one");
        if (options.LimitPerRelation is int lim)
        {
            if (lim < 1)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"the per-relation limit must be at least 1, got {lim}")
                );
            facts = facts.GroupBy(f => f.Relation).SelectMany(g => g.Take(lim)).ToList();
        }
        if (facts.Count == 0)
            throw new InputException("no cloze facts to evaluate");
        return facts;
    }

    /// <summary>Ranks every fact (in input order) and, for each relation with paraphrases, every fact again under each
    /// paraphrased template (relation by relation in ordinal order, templates in the given order). Facts of one
    /// relation must all be here: in candidate mode the relation's gold objects are the candidates.</summary>
    public static (IReadOnlyList<ClozeFactRank> Ranks, IReadOnlyList<ClozeFactRank> Paraphrased) RankAll(
        HookedTransformer model,
        IReadOnlyList<ClozeFact> facts,
        ClozeOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(options);
        var o = options;
        int total =
            facts.Count
            + facts
                .GroupBy(f => f.Relation)
                .Sum(g => g.Count() * (o.Paraphrases?.GetValueOrDefault(g.Key)?.Count ?? 0));
        int done = 0;
        void Step(int n)
        {
            done += n;
            o.Progress?.Invoke(done, total);
        }
        var ranks = Rank(model, facts, o, Step);
        var paraphrased = new List<ClozeFactRank>();
        if (o.Paraphrases is not null)
            foreach (var g in facts.GroupBy(f => f.Relation).OrderBy(g => g.Key, StringComparer.Ordinal))
                if (o.Paraphrases.TryGetValue(g.Key, out var templates))
                    foreach (var t in templates)
                        paraphrased.AddRange(Rank(model, g.Select(f => f with { Template = t }).ToList(), o, Step));
        return (ranks, paraphrased);
    }

    /// <summary>Precision@1/5/10 per relation and overall, and prompt sensitivity, from the ranks
    /// <see cref="RankAll"/> gives (a sharded run's merge passes the ranks its parts hold).</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="vocabulary">The model's vocabulary size (the candidates of vocabulary-mode relations).</param>
    /// <param name="ranks">Every fact's rank, in input order.</param>
    /// <param name="paraphrased">Ranks under paraphrased templates: relation by relation, template by template.</param>
    /// <param name="options">Resamples and seed of the bootstrap.</param>
    public static ClozeResult Summarise(
        string model,
        int vocabulary,
        IReadOnlyList<ClozeFactRank> ranks,
        IReadOnlyList<ClozeFactRank> paraphrased,
        ClozeOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentNullException.ThrowIfNull(paraphrased);
        ArgumentNullException.ThrowIfNull(options);
        var o = options;
        var byRelation = ranks.GroupBy(r => r.Relation).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var relations = byRelation
            .Select(g => Precision(g.Key, new[] { g.ToList() }, o, Candidates(vocabulary, g.ToList())))
            .ToList();
        var overall = Precision("(all)", byRelation.Select(g => g.ToList()).ToList(), o, 0);
        var sensitivity = new List<PromptSensitivity>();
        foreach (var g in paraphrased.GroupBy(r => r.Relation)) // relation order as ranked: ordinal
        {
            var rows = g.GroupBy(r => r.Template) // template order as given
                .Select(t =>
                {
                    var rr = t.ToList();
                    var p = Bootstrap.Proportion(
                        rr.Select(r => r.Rank <= 1).ToList(),
                        o.Resamples,
                        o.Seed,
                        g.Key + "|" + t.Key
                    );
                    return new TemplatePrecision(t.Key, p, rr[0].Mode);
                })
                .ToList();
            var v = rows.Select(r => r.P1.Value).ToList();
            double mean = v.Average();
            sensitivity.Add(
                new PromptSensitivity(
                    g.Key,
                    rows,
                    v.Max() - v.Min(),
                    Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Count)
                )
            );
        }
        return new ClozeResult(model, overall, relations, sensitivity, ranks, o.Resamples, o.Seed);
    }

    private static int Candidates(int vocabulary, IReadOnlyList<ClozeFactRank> ranks) =>
        ranks[0].Mode == ClozeMode.Vocabulary
            ? vocabulary
            : ranks.Select(r => r.Object).Distinct(StringComparer.Ordinal).Count();

    private static ClozePrecision Precision(
        string name,
        IReadOnlyList<List<ClozeFactRank>> strata,
        ClozeOptions o,
        int candidates
    )
    {
        Interval At(int k) =>
            Bootstrap.Proportion(
                strata.Select(s => (IReadOnlyList<bool>)s.Select(r => r.Rank <= k).ToList()).ToList(),
                o.Resamples,
                o.Seed,
                string.Create(CultureInfo.InvariantCulture, $"{name}@{k}")
            );
        return new ClozePrecision(name, strata[0][0].Mode, strata.Sum(s => s.Count), candidates, At(1), At(5), At(10));
    }

    /// <summary>Ranks facts, grouped by (relation, template); the result is in input order.</summary>
    private static List<ClozeFactRank> Rank(
        HookedTransformer model,
        IReadOnlyList<ClozeFact> facts,
        ClozeOptions o,
        Action<int> step
    )
    {
        var result = new ClozeFactRank[facts.Count];
        foreach (var g in Enumerable.Range(0, facts.Count).GroupBy(i => (facts[i].Relation, facts[i].Template)))
        {
            var idx = g.ToList();
            var prepared = idx.Select(i => Prepare(model, facts[i])).ToList();
            var ranks = prepared.All(p => p.Sequence is not null)
                ? RankVocabulary(model, prepared, o)
                : RankCandidates(model, prepared, o);
            for (int j = 0; j < idx.Count; j++)
                result[idx[j]] = ranks[j];
            step(idx.Count);
        }
        return result.ToList();
    }

    /// <summary>Fills [X]; for a slot at the end whose object is one token, the sequence and slot position to read.</summary>
    private static Prepared Prepare(HookedTransformer model, ClozeFact f)
    {
        var tok = model.Tokenizer!;
        if (
            !f.Template.Contains("[X]", StringComparison.Ordinal)
            || !f.Template.Contains("[Y]", StringComparison.Ordinal)
        )
            throw new InputException($"relation {f.Relation}: template '{f.Template}' needs both [X] and [Y]");
        var t = f.Template.Replace("[X]", f.Subject, StringComparison.Ordinal);
        int k = t.IndexOf("[Y]", StringComparison.Ordinal);
        string prefix = t[..k].TrimEnd(),
            suffix = t[(k + 3)..];
        var filled = t.Replace("[Y]", f.Object, StringComparison.Ordinal);
        var none = new Prepared(f, filled, prefix, null, 0, 0);
        if (MinimalPairScorer.IsMasked(model))
        {
            var obj = tok.Encode(f.Object, false).Ids;
            if (obj.Count != 1)
                return none;
            var ids = new List<int>();
            if (tok.BosId is int b)
                ids.Add(b);
            ids.AddRange(tok.Encode(prefix, false).Ids);
            int pos = ids.Count;
            ids.Add(MinimalPairScorer.FindMaskId(tok, model.Name));
            ids.AddRange(tok.Encode(suffix, false).Ids);
            if (tok.EosId is int e)
                ids.Add(e);
            return new Prepared(f, filled, prefix, ids, pos, obj[0]);
        }
        if (!suffix.All(c => char.IsWhiteSpace(c) || char.IsPunctuation(c)) || prefix.Length == 0)
            return none;
        var enc = MinimalPairScorer.Encode(model, new[] { prefix, prefix + " " + f.Object });
        var (pre, full) = (enc[0], enc[1]);
        if (full.Count != pre.Count + 1 || !full.Take(pre.Count).SequenceEqual(pre))
            return none;
        return new Prepared(f, filled, prefix, pre, pre.Count - 1, full[^1]);
    }

    private static ClozeFactRank[] RankVocabulary(HookedTransformer model, List<Prepared> prepared, ClozeOptions o)
    {
        var result = new ClozeFactRank[prepared.Count];
        LmBatches.Run(model, prepared.Select(p => p.Sequence!).ToList(), o.BatchSize, o.Hooks, (batch, idx, lp) =>
        {
            for (int r = 0; r < idx.Length; r++)
            {
                var p = prepared[idx[r]];
                var row = lp[r, batch.PaddedIndex(r, p.Position)];
                long rank = row.ge(row[p.Target]).sum().item<long>();
                int top = (int)row.argmax().item<long>();
                var f = p.Fact;
                result[idx[r]] = new ClozeFactRank(
                    f.Relation,
                    f.Subject,
                    f.Object,
                    f.Template,
                    ClozeMode.Vocabulary,
                    (int)rank,
                    model.Tokenizer!.TokenToString(top)
                );
            }
        });
        return result;
    }

    private static ClozeFactRank[] RankCandidates(HookedTransformer model, List<Prepared> prepared, ClozeOptions o)
    {
        var candidates = prepared.Select(p => p.Fact.Object).Distinct(StringComparer.Ordinal).ToList();
        var sentences = prepared
            .SelectMany(p =>
                candidates.Select(c =>
                    p.Fact.Template.Replace("[X]", p.Fact.Subject, StringComparison.Ordinal)
                        .Replace("[Y]", c, StringComparison.Ordinal)
                )
            )
            .ToList();
        var scores = MinimalPairScorer.ScoreSentences(model, sentences, o.BatchSize, o.Hooks);
        var result = new ClozeFactRank[prepared.Count];
        for (int i = 0; i < prepared.Count; i++)
        {
            var s = scores.Skip(i * candidates.Count).Take(candidates.Count).Select(x => x.LogProb).ToList();
            double gold = s[candidates.IndexOf(prepared[i].Fact.Object)];
            int rank = s.Count(x => x >= gold);
            var f = prepared[i].Fact;
            result[i] = new ClozeFactRank(
                f.Relation,
                f.Subject,
                f.Object,
                f.Template,
                ClozeMode.Candidates,
                rank,
                candidates[s.IndexOf(s.Max())]
            );
        }
        return result;
    }
}
