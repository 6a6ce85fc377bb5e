using System.Globalization;
using Glassbox.Classification;

namespace Glassbox.Attribution.Regularisation;

/// <summary>Template-generated functional tests for binary sentiment (after CheckList, Ribeiro et al. 2020): plain
/// polar adjectives, intensified ones, negated positives (expected negative), and name swaps (the prediction must not
/// change when only the person's name does). The word lists are ours and small, written for these templates; they are
/// not taken from the shared lexicons, so the tests do not share words with lexicon rationales by construction.</summary>
public static class FunctionalTests
{
    private static readonly string[] Positive =
    [
        "good",
        "great",
        "excellent",
        "wonderful",
        "brilliant",
        "enjoyable",
        "delightful",
        "superb",
    ];
    private static readonly string[] Negative =
    [
        "bad",
        "terrible",
        "awful",
        "boring",
        "dull",
        "horrible",
        "weak",
        "disappointing",
    ];
    private static readonly string[] Frames =
    [
        "the movie was {0} .",
        "this film is {0} .",
        "the acting was {0} .",
        "i thought the story was {0} .",
    ];
    private static readonly string[] Intensifiers = ["very", "really", "extremely", "incredibly"];
    private static readonly string[] Names = ["john", "mary", "ahmed", "mei", "carlos", "olga", "kwame", "priya"];
    private static readonly string[] NameFrames = ["{1} was {0} in this film .", "the performance by {1} was {0} ."];

    /// <summary>The four sets: <c>fn-plain</c>, <c>fn-intensified</c>, <c>fn-negated</c>, <c>fn-names</c>.</summary>
    public static IReadOnlyList<ErTestSet> Build()
    {
        var plain = new List<LabeledText>();
        var intense = new List<LabeledText>();
        var negated = new List<LabeledText>();
        foreach (var f in Frames)
        foreach (var (words, label) in new[] { (Positive, 1), (Negative, 0) })
        foreach (var w in words)
        {
            plain.Add(new LabeledText(Fill(f, w), label));
            foreach (var i in Intensifiers)
                intense.Add(new LabeledText(Fill(f, i + " " + w), label));
            if (label == 1)
                negated.Add(new LabeledText(Fill(f.Replace(" {0}", " not {0}", StringComparison.Ordinal), w), 0));
        }
        var names = new List<LabeledText>();
        var groups = new List<int>();
        int g = 0;
        foreach (var f in NameFrames)
        foreach (var (words, label) in new[] { (Positive, 1), (Negative, 0) })
        foreach (var w in words)
        {
            foreach (var n in Names)
            {
                names.Add(new LabeledText(string.Format(CultureInfo.InvariantCulture, f, w, n), label));
                groups.Add(g);
            }
            g++;
        }
        return
        [
            new ErTestSet("fn-plain", "functional", "templates: polar adjectives", plain),
            new ErTestSet("fn-intensified", "functional", "templates: intensifier + adjective (label kept)", intense),
            new ErTestSet(
                "fn-negated",
                "functional",
                "templates: 'not' + positive adjective (expected negative)",
                negated
            ),
            new ErTestSet(
                "fn-names",
                "functional",
                "templates: 8 names swapped (group metric: same prediction)",
                names,
                groups,
                GroupMetric.AllSame
            ),
        ];
    }

    private static string Fill(string frame, string word) => string.Format(CultureInfo.InvariantCulture, frame, word);
}
