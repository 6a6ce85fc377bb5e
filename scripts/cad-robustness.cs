#!/usr/bin/env dotnet
// Robust vs non-robust attributions (Chen & Ji 2022) on the counterfactual IMDb pairs of Kaushik et al. (2020): for
// two classifiers (e.g. trained without and with counterfactual data) and the first N test pairs, the accuracy on the
// originals and on the revisions, and where each model's integrated-gradients attributions (gold-class margin, zero
// baseline, 16 Gauss-Legendre steps) go: the share of |attribution| on the tokens the annotators edited to flip the
// label (tokens outside the longest common subsequence of the pair) and the average precision of |attribution|
// against that edit mask, with paired bootstrap intervals of the difference between the two models.
// Run: dotnet run scripts/cad-robustness.cs -- MODEL_A MODEL_B [SHARED_DATA_DIR] [PAIRS] [MAX_TOKENS]
// A scratch experiment for docs/attribution.md, kept so that its numbers can be regenerated; not part of the library.
#:project ../src/Glassbox.Attribution/Glassbox.Attribution.csproj
#:property TreatWarningsAsErrors=false
using System.Globalization;
using Glassbox;
using Glassbox.Attribution;
using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Statistics;

var inv = CultureInfo.InvariantCulture;
string data = args.Length > 2 ? args[2] : Path.Combine(Directory.GetCurrentDirectory(), "..", "shared", "data");
int pairs = args.Length > 3 ? int.Parse(args[3], inv) : 100;
int maxTokens = args.Length > 4 ? int.Parse(args[4], inv) : 256;
GlassboxRuntime.Initialize(2);
var rows = SentimentSets.ReadImdbTsv(Path.Combine(data, "cad-imdb", "test_paired.tsv"));
var texts = rows.Take(2 * pairs).Select(r => r.Row).ToList();
var perModel = new List<(string Name, double[] Share, double[] Ap, bool[] Correct, double Completeness)>();
int[][]? ids = null;
bool[][]? edited = null;
foreach (var dir in args.Take(2))
{
    using var c = ClassifierCheckpoint.Load(dir);
    var tok = c.Encoder.Tokenizer!;
    var specials = tok.Encode("", true).Ids.ToHashSet();
    ids ??= texts.Select(t => Cut(tok.Encode(t.Text, true).Ids, maxTokens)).ToArray();
    edited ??= Enumerable.Range(0, ids.Length).Select(i => Edited(ids[i], ids[i ^ 1])).ToArray();
    var share = new double[ids.Length];
    var ap = new double[ids.Length];
    var correct = new bool[ids.Length];
    double completeness = 0;
    var clock = System.Diagnostics.Stopwatch.StartNew();
    for (int i = 0; i < ids.Length; i++)
    {
        // Classifiers trained on a 0/1 TSV name their classes "0" and "1".
        int gold = c.Labels.ToList().IndexOf(texts[i].Label);
        if (gold < 0)
            gold = c.Labels.ToList().IndexOf(texts[i].Label == "positive" ? "1" : "0");
        if (gold < 0)
            throw new InputException($"{dir}: no label '{texts[i].Label}' (labels: {string.Join(", ", c.Labels)})");
        var target = new AttributionTarget("margin", c.Encoder, (batch, hooks) =>
        {
            var l = c.Logits(batch, hooks, keepGradients: true); // [batch, 2]
            return l.select(1, gold).sub(l.select(1, 1 - gold));
        });
        var a = IntegratedGradients.Attribute(
            target,
            ids[i],
            new AttributionOptions { Steps = 16, InternalBatchSize = 16 }
        );
        correct[i] = a.Output > 0;
        completeness += a.RelativeCompletenessError;
        var content = ids[i].Select(t => !specials.Contains(t)).ToArray();
        var abs = a.Scores.Select(Math.Abs).ToArray();
        double total = abs.Where((_, p) => content[p]).Sum();
        share[i] = total > 0 ? abs.Where((_, p) => content[p] && edited[i][p]).Sum() / total : 0;
        ap[i] = Plausibility.AveragePrecision(abs, edited[i], content);
        if ((i + 1) % 20 == 0)
            Console.Error.WriteLine(
                string.Create(inv, $"{dir}: {i + 1}/{ids.Length} texts, {clock.Elapsed.TotalSeconds:F0} s")
            );
    }
    perModel.Add((Path.GetFileName(dir.TrimEnd('/')), share, ap, correct, completeness / ids.Length));
}
var valid = Enumerable
    .Range(0, ids!.Length)
    .Where(i => !double.IsNaN(perModel[0].Ap[i]) && !double.IsNaN(perModel[1].Ap[i]))
    .ToArray();
double editedFraction = Enumerable
    .Range(0, ids.Length)
    .Average(i => edited![i].Skip(1).SkipLast(1).Count(e => e) / (double)Math.Max(1, ids[i].Length - 2));
Console.WriteLine(
    string.Create(
        inv,
        $"pairs {pairs} ({ids.Length} texts, max {maxTokens} tokens); texts with an edit: {valid.Length}; mean share of tokens edited: {editedFraction:F3} (the share of |attribution| a position-blind model would put there)"
    )
);
foreach (var m in perModel)
{
    var orig = Enumerable.Range(0, ids.Length).Where(i => i % 2 == 0).Select(i => m.Correct[i] ? 1.0 : 0).ToArray();
    var cf = Enumerable.Range(0, ids.Length).Where(i => i % 2 == 1).Select(i => m.Correct[i] ? 1.0 : 0).ToArray();
    Console.WriteLine(
        string.Create(
            inv,
            $"{m.Name}: accuracy originals {Mean(orig)}, revisions {Mean(cf)}; |attribution| share on edited tokens {Mean(valid.Select(i => m.Share[i]).ToArray())}; AP vs edits {Mean(valid.Select(i => m.Ap[i]).ToArray())}; mean relative completeness error {m.Completeness:F4}"
        )
    );
}
Console.WriteLine(
    string.Create(
        inv,
        $"B − A, paired over texts: share {Mean(valid.Select(i => perModel[1].Share[i] - perModel[0].Share[i]).ToArray())}; AP {Mean(valid.Select(i => perModel[1].Ap[i] - perModel[0].Ap[i]).ToArray())}; accuracy on revisions {Mean(Enumerable.Range(0, ids.Length).Where(i => i % 2 == 1).Select(i => (perModel[1].Correct[i] ? 1.0 : 0) - (perModel[0].Correct[i] ? 1.0 : 0)).ToArray())}"
    )
);

static string Mean(double[] x) => Bootstrap.Percentile(x, v => v.Average(), Bootstrap.DefaultResamples, 7).ToString();

static int[] Cut(IReadOnlyList<int> ids, int max) =>
    (ids.Count <= max ? ids : ids.Take(max - 1).Append(ids[^1])).ToArray();

// Positions of `a` outside a longest common subsequence with `b` (the tokens the annotators changed).
static bool[] Edited(int[] a, int[] b)
{
    var l = new int[a.Length + 1, b.Length + 1];
    for (int i = a.Length - 1; i >= 0; i--)
    for (int j = b.Length - 1; j >= 0; j--)
        l[i, j] = a[i] == b[j] ? l[i + 1, j + 1] + 1 : Math.Max(l[i + 1, j], l[i, j + 1]);
    var edited = Enumerable.Repeat(true, a.Length).ToArray();
    for (int i = 0, j = 0; i < a.Length && j < b.Length; )
        if (a[i] == b[j])
        {
            edited[i] = false;
            i++;
            j++;
        }
        else if (l[i + 1, j] >= l[i, j + 1])
            i++;
        else
            j++;
    return edited;
}
