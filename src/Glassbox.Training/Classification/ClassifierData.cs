using System.Globalization;
using Glassbox.Data;

namespace Glassbox.Classification;

/// <summary>One text with its class index.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">Class index into the classifier's labels.</param>
public sealed record LabeledText(string Text, int Label);

/// <summary>Labelled texts and the class names their indices refer to.</summary>
/// <param name="Description">Where they came from, e.g. "sst2 train (../shared/data/sst2/train.tsv)".</param>
/// <param name="Labels">Class names.</param>
/// <param name="Rows">The texts in file order.</param>
public sealed record LabeledTextSet(string Description, IReadOnlyList<string> Labels, IReadOnlyList<LabeledText> Rows);

/// <summary>Reads classification data: the built-in <c>sst2</c> (from the shared data folder; labels 0 = negative,
/// 1 = positive) or a TSV/JSONL file read by <see cref="LabeledSentenceReader"/>.</summary>
public static class ClassifierData
{
    /// <summary>The built-in data set name.</summary>
    public const string Sst2 = "sst2";

    /// <summary>SST-2's class names, in label order.</summary>
    public static IReadOnlyList<string> Sst2Labels { get; } = ["negative", "positive"];

    /// <summary>The file of a built-in split ("train" or "dev"), or null when the shared data is absent.</summary>
    public static string? Sst2File(string split) => SharedData.File("sst2", split + ".tsv");

    /// <summary>Reads training data: its labels are SST-2's for <c>sst2</c>, else the distinct labels of the file in
    /// ordinal order (numeric labels in numeric order).</summary>
    /// <param name="spec">"sst2" or a file path.</param>
    /// <param name="split">For sst2: "train" or "dev".</param>
    /// <exception cref="InputException">The file or shared data is missing, the data is malformed or empty, or it
    /// has fewer than two labels.</exception>
    public static LabeledTextSet ReadForTraining(string spec, string split = "train")
    {
        var (desc, rows, isSst2) = ReadRaw(spec, split);
        IReadOnlyList<string> labels;
        if (isSst2)
            labels = Sst2Labels;
        else
        {
            var distinct = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).ToList();
            bool numeric = distinct.All(l =>
                long.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            );
            labels = numeric
                ? distinct.OrderBy(l => long.Parse(l, CultureInfo.InvariantCulture)).ToArray()
                : distinct.Order(StringComparer.Ordinal).ToArray();
        }
        if (labels.Count < 2)
            throw new InputException(
                $"{spec}: a classifier needs at least two labels; the data has only '{labels[0]}'"
            );
        return Map(desc, spec, rows, labels);
    }

    /// <summary>Reads evaluation data against a classifier's labels: each row's label must be a class name of the
    /// classifier or a class index (0..n-1).</summary>
    /// <exception cref="InputException">As <see cref="ReadForTraining"/>, or a label the classifier does not have.</exception>
    public static LabeledTextSet ReadForLabels(string spec, IReadOnlyList<string> labels, string split = "dev")
    {
        var (desc, rows, _) = ReadRaw(spec, split);
        return Map(desc, spec, rows, labels);
    }

    /// <summary>A seeded random subset of <paramref name="count"/> texts (all of them when there are fewer), in
    /// file order; the description notes the subset.</summary>
    /// <exception cref="InputException"><paramref name="count"/> is below 1.</exception>
    public static LabeledTextSet Take(LabeledTextSet set, int count, long seed)
    {
        if (count < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--max-train must be at least 1, got {count}")
            );
        if (count >= set.Rows.Count)
            return set;
        var rng = new Random(unchecked((int)(seed * 31 + 7)));
        var idx = Enumerable.Range(0, set.Rows.Count).ToArray();
        for (int i = idx.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        var rows = idx.Take(count).Order().Select(i => set.Rows[i]).ToArray();
        return set with
        {
            Description = string.Create(
                CultureInfo.InvariantCulture,
                $"{set.Description}, {count} of {set.Rows.Count} texts (seed {seed})"
            ),
            Rows = rows,
        };
    }

    private static LabeledTextSet Map(
        string desc,
        string spec,
        IReadOnlyList<LabeledSentence> rows,
        IReadOnlyList<string> labels
    )
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < labels.Count; i++)
            index[labels[i]] = i;
        var mapped = new List<LabeledText>(rows.Count);
        for (int r = 0; r < rows.Count; r++)
        {
            var l = rows[r].Label;
            if (!index.TryGetValue(l, out int id))
            {
                if (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out id) || id >= labels.Count)
                    throw new InputException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{spec}: row {r + 1} has label '{l}', which is not a class of the classifier ({string.Join(", ", labels)}) or a class index 0..{labels.Count - 1}"
                        )
                    );
            }
            mapped.Add(new LabeledText(rows[r].Text, id));
        }
        return new LabeledTextSet(desc, labels, mapped);
    }

    private static (string Description, IReadOnlyList<LabeledSentence> Rows, bool IsSst2) ReadRaw(
        string spec,
        string split
    )
    {
        if (string.IsNullOrWhiteSpace(spec))
            throw new InputException("--data is empty; give sst2 or a TSV/JSONL file");
        bool sst2 = spec.Equals(Sst2, StringComparison.OrdinalIgnoreCase);
        string path;
        if (sst2)
        {
            if (split is not ("train" or "dev"))
                throw new InputException($"sst2 has the splits train and dev, not '{split}'");
            path = Sst2File(split)
                ?? throw new InputException(
                    $"--data sst2 needs ../shared/data/sst2/{split}.tsv (or set GLASSBOX_DATA); give a TSV/JSONL file instead"
                );
        }
        else
        {
            path = spec;
            if (Directory.Exists(path))
                throw new InputException($"--data '{spec}' is a directory; give sst2 or a TSV/JSONL file");
            if (!File.Exists(path))
                throw new InputException($"--data '{spec}': file not found (give sst2 or a TSV/JSONL file)");
        }
        var rows = LabeledSentenceReader.Read(path);
        var desc = sst2 ? $"sst2 {split} ({path})" : path;
        return (desc, rows, sst2);
    }
}
