using System.Globalization;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Statistics;

namespace Glassbox.Attribution.Regularisation;

/// <summary>How the rows of an evaluation group are scored together.</summary>
public enum GroupMetric
{
    /// <summary>Every row of the group is classified correctly (contrast consistency, Gardner et al. 2020).</summary>
    AllCorrect,

    /// <summary>Every row of the group gets the same prediction (invariance, CheckList's INV tests).</summary>
    AllSame,
}

/// <summary>One evaluation set of ER-TEST.</summary>
/// <param name="Name">Short name, e.g. <c>yelp</c>.</param>
/// <param name="Kind">in-domain, out-of-domain, contrast, counterfactual or functional.</param>
/// <param name="Description">Where the rows came from.</param>
/// <param name="Rows">Texts with class indices of SST-2's labels (0 negative, 1 positive).</param>
/// <param name="Groups">Group id per row (pairs, name swaps), or null.</param>
/// <param name="Metric">How groups are scored.</param>
public sealed record ErTestSet(
    string Name,
    string Kind,
    string Description,
    IReadOnlyList<LabeledText> Rows,
    IReadOnlyList<int>? Groups = null,
    GroupMetric Metric = GroupMetric.AllCorrect
);

/// <summary>The sets of ER-TEST (Joshi et al. 2022) for binary sentiment: in distribution (SST-2 dev), unseen data
/// sets (Kotzias et al.'s Amazon, Yelp and IMDb sentences), contrast sets (Gardner et al.), counterfactual pairs (CAD,
/// Kaushik et al.) and template functional tests (<see cref="FunctionalTests"/>). Sets whose files are absent are
/// skipped and named in the list passed to <see cref="Build"/>.</summary>
public static class ErTestSets
{
    /// <summary>Builds every available set; each is cut to a seeded subset of at most <paramref name="maxPerSet"/>
    /// rows (whole groups are kept together).</summary>
    /// <param name="maxPerSet">Rows per set (0 = all).</param>
    /// <param name="seed">Seed of the subsets.</param>
    /// <param name="missing">Receives the names of sets whose files are absent.</param>
    public static IReadOnlyList<ErTestSet> Build(int maxPerSet, int seed, List<string> missing)
    {
        var sets = new List<ErTestSet>();
        if (ClassifierData.Sst2File("dev") is not null)
        {
            var dev = ClassifierData.ReadForLabels(ClassifierData.Sst2, ClassifierData.Sst2Labels, "dev");
            sets.Add(new ErTestSet("sst2-dev", "in-domain", dev.Description, dev.Rows));
        }
        else
            missing.Add("sst2-dev");
        foreach (
            var (name, file) in new[]
            {
                ("amazon", "amazon_cells_labelled.txt"),
                ("yelp", "yelp_labelled.txt"),
                ("imdb-sentences", "imdb_labelled.txt"),
            }
        )
        {
            var path = SharedData.File("sentiment-labelled-sentences", file);
            if (path is null)
            {
                missing.Add(name);
                continue;
            }
            sets.Add(
                new ErTestSet(
                    name,
                    "out-of-domain",
                    $"Kotzias et al. 2015 ({path})",
                    Map(SentimentSets.ReadKotzias(path))
                )
            );
        }
        var orig = SharedData.File("contrast-sets-imdb", "test_original.tsv");
        var edit = SharedData.File("contrast-sets-imdb", "test_contrast.tsv");
        if (orig is not null && edit is not null)
        {
            var a = SentimentSets.ReadImdbTsv(orig);
            var b = SentimentSets.ReadImdbTsv(edit);
            if (a.Count != b.Count)
                throw new DataFormatException(edit, 0, $"{b.Count} contrast rows for {a.Count} originals");
            var rows = a.Select(r => r.Row).Concat(b.Select(r => r.Row)).ToList();
            var groups = Enumerable.Range(0, a.Count).Concat(Enumerable.Range(0, b.Count)).ToList();
            sets.Add(
                new ErTestSet(
                    "contrast-imdb",
                    "contrast",
                    $"Gardner et al. 2020 test originals + contrasts ({orig})",
                    Map(rows),
                    groups
                )
            );
        }
        else
            missing.Add("contrast-imdb");
        var cad = SharedData.File("cad-imdb", "test_paired.tsv");
        if (cad is not null)
        {
            var rows = SentimentSets.ReadImdbTsv(cad);
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var groups = rows.Select(r => ids.TryGetValue(r.Pair ?? "", out var g) ? g : ids[r.Pair ?? ""] = ids.Count)
                .ToList();
            sets.Add(
                new ErTestSet(
                    "cad-imdb",
                    "counterfactual",
                    $"Kaushik et al. 2020 test pairs ({cad})",
                    Map(rows.Select(r => r.Row)),
                    groups
                )
            );
        }
        else
            missing.Add("cad-imdb");
        sets.AddRange(FunctionalTests.Build());
        return sets.Select(s => Subset(s, maxPerSet, seed)).ToList();
    }

    /// <summary>A seeded subset of at most <paramref name="max"/> rows; grouped sets keep whole groups.</summary>
    public static ErTestSet Subset(ErTestSet set, int max, int seed)
    {
        if (max <= 0 || set.Rows.Count <= max)
            return set;
        var rng = new Random(Bootstrap.Seed(seed, set.Name));
        if (set.Groups is null)
        {
            var keep = Enumerable.Range(0, set.Rows.Count).OrderBy(_ => rng.Next()).Take(max).Order().ToList();
            return set with { Rows = keep.Select(i => set.Rows[i]).ToList() };
        }
        var byGroup = Enumerable.Range(0, set.Rows.Count).GroupBy(i => set.Groups[i]).OrderBy(_ => rng.Next()).ToList();
        var chosen = new List<int>();
        foreach (var g in byGroup)
        {
            if (chosen.Count > 0 && chosen.Count + g.Count() > max)
                break;
            chosen.AddRange(g);
        }
        chosen.Sort();
        return set with
        {
            Rows = chosen.Select(i => set.Rows[i]).ToList(),
            Groups = chosen.Select(i => set.Groups[i]).ToList(),
            Description =
                set.Description + string.Create(CultureInfo.InvariantCulture, $", seeded subset of {chosen.Count}"),
        };
    }

    private static List<LabeledText> Map(IEnumerable<LabeledSentence> rows) =>
        rows.Select(r => new LabeledText(r.Text, r.Label == "positive" ? 1 : 0)).ToList();
}
