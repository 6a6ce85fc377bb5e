using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Statistics;

namespace Glassbox.Circuits.Patching;

/// <summary>A prompt pair ready to patch: token ids and the two answer tokens.</summary>
/// <param name="Index">The pair's index in the set.</param>
/// <param name="Clean">Clean prompt ids.</param>
/// <param name="Corrupted">Corrupted prompt ids (same length).</param>
/// <param name="Answer">Correct answer token.</param>
/// <param name="Wrong">Wrong answer token.</param>
public sealed record PreparedPatchPrompt(
    int Index,
    IReadOnlyList<int> Clean,
    IReadOnlyList<int> Corrupted,
    int Answer,
    int Wrong
);

/// <summary>One prompt pair's sweep: its clean and corrupted logit differences and the patched one per cell.</summary>
/// <param name="Prompt">The pair's index in the set.</param>
/// <param name="Length">Its token length.</param>
/// <param name="Clean">Logit difference (answer − wrong) on the clean prompt.</param>
/// <param name="Corrupted">Logit difference on the corrupted prompt.</param>
/// <param name="Scores">Patched logit difference [layer][column] (columns: positions of this prompt, or heads).</param>
public sealed record PromptPatchScores(int Prompt, int Length, double Clean, double Corrupted, float[][] Scores);

/// <summary>Settings of a prompt-set sweep beyond those of one sweep.</summary>
/// <param name="Resamples">Bootstrap resamples over prompts for the intervals (0: none).</param>
/// <param name="Seed">Bootstrap seed.</param>
public sealed record PromptSetOptions(int Resamples = 1000, int Seed = 0);

/// <summary>
/// Activation patching over a set of clean/corrupted prompt pairs (Wang et al. 2022's IOI analysis, TransformerLens's
/// batched patching over a dataset): every pair is swept on its own (<see cref="ActivationPatching"/>, logit difference
/// answer − wrong), then each cell's effect over the set is the normalised mean (mean patched − mean corrupted) /
/// (mean clean − mean corrupted), with a percentile bootstrap interval over prompts. Position sweeps need prompts of
/// one token length, or are aligned at the last token (columns −k..−1 for the shortest length k).
/// </summary>
public static class PromptSetPatching
{
    /// <summary>Tokenizes the pairs (with the model's special tokens) and resolves the answers.</summary>
    /// <exception cref="InputException">A pair whose prompts differ in token length, or an answer that is not a token;
    /// names the pair's line.</exception>
    public static IReadOnlyList<PreparedPatchPrompt> Prepare(
        HookedTransformer model,
        IReadOnlyList<PatchPrompt> prompts,
        string source = "--prompts"
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} has no tokenizer; a prompt set needs one");
        var list = new List<PreparedPatchPrompt>(prompts.Count);
        for (int i = 0; i < prompts.Count; i++)
        {
            var p = prompts[i];
            try
            {
                var clean = model.Tokenizer.Encode(p.Clean, true).Ids;
                var corrupted = model.Tokenizer.Encode(p.Corrupted, true).Ids;
                ActivationPatcher.CheckPair(clean, corrupted);
                int answer = TracePrompt.AnswerToken(model, p.Clean, p.Answer),
                    wrong = TracePrompt.AnswerToken(model, p.Clean, p.Wrong);
                if (answer == wrong)
                    throw new InputException($"answer '{p.Answer}' and wrong '{p.Wrong}' are the same token");
                list.Add(new PreparedPatchPrompt(i, clean, corrupted, answer, wrong));
            }
            catch (InputException e)
            {
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"{source}, line {p.Line}: {e.Message}"),
                    e
                );
            }
        }
        return list;
    }

    /// <summary>Sweeps every pair of the set and summarises (one process; <see cref="PromptSetPatchShards"/> splits the
    /// same work over workers and gives the same result).</summary>
    /// <exception cref="InputException">Bad pairs, layers or heads, or the model lacks the hook.</exception>
    public static PromptSetPatchingResult Run(
        HookedTransformer model,
        IReadOnlyList<PatchPrompt> prompts,
        PatchKind kind,
        PatchingOptions? options = null,
        PromptSetOptions? setOptions = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = options ?? new PatchingOptions();
        var prepared = Prepare(model, prompts);
        var (layers, heads) = PromptSetPatchShards.Axes(model, kind, prepared, o);
        var scores = ScorePrompts(model, prepared, kind, o);
        return Summarise(
            model.Name,
            scores,
            kind,
            o.Mode,
            layers,
            heads,
            PromptSetPatchShards.Labels(model, prepared),
            setOptions
        );
    }

    /// <summary>Sweeps each pair. // Scores: [prompt][layer][column]</summary>
    /// <param name="model">A language model.</param>
    /// <param name="prompts">Prepared pairs.</param>
    /// <param name="kind">What to patch.</param>
    /// <param name="options">Mode, layers, heads, batching (positions are every position of each prompt); its
    /// progress counts prompts.</param>
    /// <exception cref="InputException">Bad layers or heads, or the model lacks the hook.</exception>
    public static IReadOnlyList<PromptPatchScores> ScorePrompts(
        HookedTransformer model,
        IReadOnlyList<PreparedPatchPrompt> prompts,
        PatchKind kind,
        PatchingOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var o = (options ?? new PatchingOptions()) with { Positions = null };
        var list = new List<PromptPatchScores>(prompts.Count);
        foreach (var p in prompts)
        {
            var metric = PatchMetric.LogitDiff(p.Answer, p.Wrong);
            var sweep = ActivationPatching.Sweep(model, p.Clean, p.Corrupted, metric, kind, o with { Progress = null });
            list.Add(
                new PromptPatchScores(p.Index, p.Clean.Count, sweep.CleanScore, sweep.CorruptedScore, sweep.Scores)
            );
            o.Progress?.Invoke(list.Count, prompts.Count);
        }
        return list;
    }

    /// <summary>Summarises the pairs' sweeps into the set's effects with intervals.</summary>
    /// <param name="model">Model name.</param>
    /// <param name="scores">Every pair's sweep, in any order (sorted by prompt here).</param>
    /// <param name="kind">What was patched.</param>
    /// <param name="mode">Denoise or noise.</param>
    /// <param name="layers">The swept layers (rows).</param>
    /// <param name="headColumns">For head kinds, the swept heads; null for position kinds.</param>
    /// <param name="labels">Column labels for same-length position sweeps (tokens of the first prompt), or null.</param>
    /// <param name="options">Bootstrap settings.</param>
    /// <exception cref="InputException">No scores.</exception>
    public static PromptSetPatchingResult Summarise(
        string model,
        IReadOnlyList<PromptPatchScores> scores,
        PatchKind kind,
        PatchMode mode,
        IReadOnlyList<int> layers,
        IReadOnlyList<int>? headColumns,
        IReadOnlyList<string>? labels,
        PromptSetOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(layers);
        if (scores.Count == 0)
            throw new InputException("no prompt pairs to summarise");
        var o = options ?? new PromptSetOptions();
        var s = scores.OrderBy(x => x.Prompt).ToList();
        int n = s.Count,
            minLength = s.Min(x => x.Length);
        bool sameLength = s.All(x => x.Length == minLength);
        int columns = headColumns?.Count ?? minLength;
        // Column c of prompt i: the head, the position c (same lengths), or position length − minLength + c.
        int Column(PromptPatchScores x, int c) => headColumns is not null || sameLength ? c : x.Length - minLength + c;
        var clean = s.Select(x => x.Clean).ToArray();
        var corrupted = s.Select(x => x.Corrupted).ToArray();
        var effects = new Interval[layers.Count][];
        for (int l = 0; l < layers.Count; l++)
        {
            effects[l] = new Interval[columns];
            for (int c = 0; c < columns; c++)
            {
                var patched = s.Select(x => (double)x.Scores[l][Column(x, c)]).ToArray();
                double Stat(int[] drawn)
                {
                    double p = 0,
                        k = 0,
                        r = 0;
                    foreach (int i in drawn)
                    {
                        p += patched[i];
                        k += clean[i];
                        r += corrupted[i];
                    }
                    return k == r ? double.NaN : (p - r) / (k - r);
                }
                var all = Enumerable.Range(0, n).ToArray();
                double value = Stat(all);
                var ci = Bootstrap.Percentile(
                    n,
                    Stat,
                    o.Resamples,
                    Bootstrap.Seed(o.Seed, string.Create(CultureInfo.InvariantCulture, $"patch:{l}:{c}"))
                );
                effects[l][c] = ci with { Value = value };
            }
        }
        var gaps = clean.Zip(corrupted, (k, r) => k - r).ToArray();
        var gap = Bootstrap.Percentile(
            n,
            drawn => drawn.Average(i => gaps[i]),
            o.Resamples,
            Bootstrap.Seed(o.Seed, "patch:gap")
        ) with
        {
            Value = gaps.Average(),
        };
        string? note =
            gap.Value == 0
                ? "clean and corrupted prompts give the same mean logit difference: every effect is undefined"
            : !(gap.Lower > 0 || gap.Upper < 0)
                ? "the clean − corrupted gap's interval includes 0: the model barely tells the prompts apart, so normalised effects are unstable; use a set where it does"
            : null;
        IReadOnlyList<string> columnLabels =
            headColumns is not null ? headColumns.Select(h => "H" + h.ToString(CultureInfo.InvariantCulture)).ToList()
            : sameLength && labels is not null && labels.Count == minLength ? labels
            : Enumerable
                .Range(0, minLength)
                .Select(c => (sameLength ? c : c - minLength).ToString(CultureInfo.InvariantCulture))
                .ToList();
        return new PromptSetPatchingResult
        {
            Model = model,
            Kind = kind,
            Mode = mode,
            Prompts = n,
            Alignment =
                headColumns is not null ? "heads"
                : sameLength ? "same length"
                : "aligned at the last token",
            CleanMean = clean.Average(),
            CorruptedMean = corrupted.Average(),
            Gap = gap,
            Note = note,
            Layers = layers,
            ColumnLabels = columnLabels,
            Effects = effects,
            Resamples = o.Resamples,
            Seed = o.Seed,
        };
    }
}
