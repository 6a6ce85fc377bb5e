using System.Globalization;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Statistics;

namespace Glassbox.Attribution.Regularisation;

/// <summary>Training and plausibility data with rationales: SST-2 with rationales generated from the opinion lexicon
/// (Hu and Liu 2004: a word in either list should matter), and sentences of Zaidan et al.'s reviews with the
/// annotators' rationales. Reviews 000-799 of each class train, 800-899 are held out for plausibility.</summary>
public static class ErData
{
    /// <summary>The first review number held out for plausibility.</summary>
    public const int FirstHeldOutReview = 800;

    /// <summary>Lexicon rationales over <paramref name="data"/>: each whitespace word (lower-cased) found in a
    /// lexicon list should matter.</summary>
    public static List<WordFeedback> LexiconRationales(
        LabeledTextSet data,
        IReadOnlyDictionary<string, IReadOnlySet<string>> lexicon
    ) =>
        data
            .Rows.Select(r =>
            {
                var words = r.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return WordFeedback.FromRationale(
                    words,
                    words.Select(w => lexicon.Values.Any(l => l.Contains(w.ToLowerInvariant()))).ToArray()
                );
            })
            .ToList();

    /// <summary>Normalises a training set's texts to single-space-separated words, so feedback words join back to them.</summary>
    public static LabeledTextSet SingleSpaced(LabeledTextSet data) =>
        data with
        {
            Rows = data
                .Rows.Select(r =>
                    r with
                    {
                        Text = string.Join(' ', r.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
                    }
                )
                .ToList(),
        };

    /// <summary>Sentences of Zaidan et al.'s annotated reviews with at least one rationale word and at most
    /// <paramref name="maxWords"/> words: reviews before <see cref="FirstHeldOutReview"/> (<paramref name="heldOut"/>
    /// false) or from it on (true).</summary>
    /// <exception cref="InputException">The shared folder has no rationale data.</exception>
    public static List<RationaleText> ZaidanSentences(bool heldOut, int maxWords)
    {
        var root = SharedData.Folder("zaidan-movie-rationales")
            ?? throw new InputException("zaidan-movie-rationales is not in the shared data folder (../shared/data)");
        var list = new List<RationaleText>();
        foreach (var (dir, prefix) in new[] { ("withRats_pos", "posR_"), ("withRats_neg", "negR_") })
            for (int i = heldOut ? FirstHeldOutReview : 0; i < (heldOut ? 900 : FirstHeldOutReview); i++)
            {
                var path = Path.Combine(root, dir, string.Create(CultureInfo.InvariantCulture, $"{prefix}{i:D3}.txt"));
                if (!File.Exists(path))
                    continue;
                foreach (var s in SentimentSets.Sentences(SentimentSets.ReadZaidanReview(path)))
                    if (s.Mask.Any(m => m) && s.Words.Count <= maxWords && s.Words.Count >= 4)
                        list.Add(s);
            }
        if (list.Count == 0)
            throw new InputException($"{root}: no annotated sentences found");
        return list;
    }

    /// <summary>Zaidan sentences as a training set with their rationales.</summary>
    public static (LabeledTextSet Data, List<WordFeedback> Feedback) ZaidanTraining(int maxWords, int max, long seed)
    {
        var all = ZaidanSentences(heldOut: false, maxWords);
        var rng = new Random(unchecked((int)seed * 31 + 5));
        var pick = all.Select((s, i) => (s, k: rng.Next()))
            .OrderBy(x => x.k)
            .Take(max > 0 ? max : all.Count)
            .Select(x => x.s)
            .ToList();
        var data = new LabeledTextSet(
            string.Create(
                CultureInfo.InvariantCulture,
                $"zaidan rationale sentences (reviews 000-{FirstHeldOutReview - 1}, {pick.Count})"
            ),
            ClassifierData.Sst2Labels,
            pick.Select(s => new LabeledText(s.Text, s.Label == "positive" ? 1 : 0)).ToList()
        );
        return (data, pick.Select(s => WordFeedback.FromRationale(s.Words, s.Mask)).ToList());
    }

    /// <summary>The seeded sample of held-out Zaidan sentences scored for plausibility (empty when the option is 0 or
    /// the data is absent, which <paramref name="status"/> is told).</summary>
    public static List<RationaleText> PlausibilitySample(ErTestOptions o, Action<string>? status)
    {
        if (o.PlausibilitySentences == 0)
            return [];
        if (SharedData.Folder("zaidan-movie-rationales") is null)
        {
            status?.Invoke("zaidan-movie-rationales absent: plausibility skipped");
            return [];
        }
        var all = ErData.ZaidanSentences(heldOut: true, maxWords: o.MaxLength - 2);
        var rng = new Random(Bootstrap.Seed(o.Seed, "plausibility"));
        return all.Select(s => (s, k: rng.Next()))
            .OrderBy(x => x.k)
            .Take(o.PlausibilitySentences)
            .Select(x => x.s)
            .ToList();
    }
}
