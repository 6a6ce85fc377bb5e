using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Glassbox.Classification;

namespace Glassbox.Attribution;

/// <summary>
/// AMPLIFY (Ma et al. 2023, "Post Hoc Explanations of Language Models Can Improve Language Models"): a small proxy
/// model picks the few-shot examples it misclassifies most confidently (misclassification confidence score), its
/// integrated-gradients attributions towards the gold label give each example's key words, and those become a
/// rationale sentence in the few-shot prompt of a large model. The same shots without rationales are the baseline.
/// </summary>
public static partial class AmplifyPrompts
{
    /// <summary>The system prompt of every AMPLIFY prompt.</summary>
    public const string System =
        "You are a careful text classifier. Answer in the format of the examples: first the rationale when the "
        + "examples give one, then a last line 'Label: <label>' with one of the allowed labels.";

    /// <summary>Chooses <see cref="AmplifyOptions.Shots"/> examples from <paramref name="pool"/>, evenly over the
    /// classes, highest misclassification confidence first, and writes each one's rationale.</summary>
    /// <exception cref="InputException">An empty pool, labels that are not the proxy's, or bad options.</exception>
    public static IReadOnlyList<AmplifyShot> SelectShots(
        SequenceClassifier proxy,
        LabeledTextSet pool,
        AmplifyOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(proxy);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (pool.Rows.Count == 0)
            throw new InputException($"{pool.Description}: no texts to choose few-shot examples from");
        if (!pool.Labels.SequenceEqual(proxy.Labels, StringComparer.Ordinal))
            throw new InputException(
                $"{pool.Description}: labels ({string.Join(", ", pool.Labels)}) differ from the proxy's ({string.Join(", ", proxy.Labels)})"
            );
        var mcs = new double[pool.Rows.Count];
        for (int start = 0; start < pool.Rows.Count; start += 64)
        {
            var chunk = pool.Rows.Skip(start).Take(64).ToList();
            var p = proxy.Probabilities(chunk.Select(r => r.Text).ToList(), options.MaxLength);
            for (int i = 0; i < chunk.Count; i++)
            {
                int gold = chunk[i].Label;
                double wrong = Enumerable.Range(0, p[i].Length).Where(c => c != gold).Max(c => (double)p[i][c]);
                mcs[start + i] = wrong - p[i][gold];
            }
        }
        int k = proxy.LabelCount,
            perClass = Math.Max(1, options.Shots / k);
        var chosen = Enumerable
            .Range(0, k)
            .SelectMany(c =>
                Enumerable
                    .Range(0, pool.Rows.Count)
                    .Where(i => pool.Rows[i].Label == c)
                    .OrderByDescending(i => mcs[i])
                    .ThenBy(i => i)
                    .Take(perClass)
            )
            .Take(options.Shots)
            .OrderByDescending(i => mcs[i])
            .ThenBy(i => i)
            .ToList();
        return chosen
            .Select(i =>
            {
                var row = pool.Rows[i];
                var words = KeyWords(proxy, row.Text, row.Label, options);
                string label = proxy.Labels[row.Label];
                return new AmplifyShot(row.Text, label, mcs[i], words, Rationale(words, label));
            })
            .ToList();
    }

    /// <summary>The rationale sentence of AMPLIFY's template.</summary>
    public static string Rationale(IReadOnlyList<string> words, string label)
    {
        ArgumentNullException.ThrowIfNull(words);
        string list = words.Count switch
        {
            0 => "",
            1 => $"\"{words[0]}\"",
            _ => string.Join(", ", words.Take(words.Count - 1).Select(w => $"\"{w}\"")) + $" and \"{words[^1]}\"",
        };
        return words.Count == 0
            ? $"No single word stands out; the whole text points to '{label}'."
            : $"The key words {list} are important clues to predict '{label}' as the correct answer.";
    }

    /// <summary>The user prompt for one input: the instruction, the shots (with or without rationales) and the input.</summary>
    public static string Build(
        IReadOnlyList<AmplifyShot> shots,
        string input,
        IReadOnlyList<string> labels,
        bool withRationales
    )
    {
        ArgumentNullException.ThrowIfNull(shots);
        ArgumentNullException.ThrowIfNull(labels);
        var sb = new StringBuilder()
            .Append("Classify each input as one of: ")
            .Append(string.Join(", ", labels))
            .Append(".\n\n");
        foreach (var s in shots)
        {
            sb.Append("Input: ").Append(s.Text.Trim()).Append('\n');
            if (withRationales)
                sb.Append("Rationale: ").Append(s.Rationale).Append('\n');
            sb.Append("Label: ").Append(s.Label).Append("\n\n");
        }
        sb.Append("Input: ").Append(input.Trim()).Append('\n');
        return sb.ToString();
    }

    [GeneratedRegex(@"label\s*[:=]\s*[""'`*]*([\p{L}\p{N}_-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex LabelLine();

    /// <summary>The label in a reply, read leniently: the last "Label: X" line with a known label; else the only
    /// known label the reply names as a word; else null (unreadable).</summary>
    public static string? ParseLabel(string? reply, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (string.IsNullOrWhiteSpace(reply))
            return null;
        foreach (Match m in LabelLine().Matches(reply).Reverse())
            if (
                labels.FirstOrDefault(l => string.Equals(l, m.Groups[1].Value, StringComparison.OrdinalIgnoreCase)) is
                { } hit
            )
                return hit;
        var named = labels
            .Where(l =>
                Regex.IsMatch(reply, $@"\b{Regex.Escape(l)}\b", RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1))
            )
            .ToList();
        return named.Count == 1 ? named[0] : null;
    }

    /// <summary>The <see cref="AmplifyOptions.RationaleWords"/> words (subwords joined) with the largest
    /// integrated-gradients attribution towards the gold class's margin (as Ma et al.: the most supportive words, even
    /// when the proxy, misclassifying the text, gives every word a negative score).</summary>
    private static IReadOnlyList<string> KeyWords(SequenceClassifier proxy, string text, int gold, AmplifyOptions o)
    {
        var tok = proxy.Encoder.Tokenizer!;
        var specials = tok.Encode("", true).Ids.ToHashSet();
        var ids = ShortcutMiner.Cut(tok.Encode(text, true).Ids, o.MaxLength);
        var attr = IntegratedGradients.Attribute(
            ShortcutMiner.Margin(proxy, gold),
            ids,
            new AttributionOptions { Steps = o.Steps, InternalBatchSize = o.Steps }
        );
        var words = new List<(string Word, double Score)>();
        for (int p = 0; p < ids.Count; p++)
        {
            if (specials.Contains(ids[p]))
                continue;
            string t = attr.Tokens[p];
            if (t.StartsWith("##", StringComparison.Ordinal) && words.Count > 0)
                words[^1] = (words[^1].Word + t[2..], words[^1].Score + attr.Scores[p]);
            else
                words.Add((t, attr.Scores[p]));
        }
        return words
            .Where(w => w.Word.Any(char.IsLetterOrDigit))
            .GroupBy(w => w.Word.ToLower(CultureInfo.InvariantCulture), StringComparer.Ordinal)
            .Select(g => (Word: g.Key, Score: g.Sum(w => w.Score)))
            .OrderByDescending(w => w.Score)
            .Take(o.RationaleWords)
            .Select(w => w.Word)
            .ToList();
    }
}
