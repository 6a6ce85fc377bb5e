using System.Globalization;
using System.Text.Json;

namespace Glassbox.Classification;

/// <summary>Reads the classification keys of a <c>BertForSequenceClassification</c> config.json: <c>id2label</c>
/// (required; ids 0..n-1), <c>num_labels</c> and <c>label2id</c> (optional, must agree), <c>classifier_pooling</c>
/// ("cls" when absent, as Hugging Face) and <c>classifier_dropout</c> (else <c>hidden_dropout_prob</c>, else 0.1).</summary>
internal static class ClassifierConfigJson
{
    public static (IReadOnlyList<string> Labels, ClassifierPooling Pooling, double Dropout) Read(
        JsonElement root,
        string path
    )
    {
        if (!root.TryGetProperty("id2label", out var id2) || id2.ValueKind != JsonValueKind.Object)
            throw new InputException($"{path}: config key 'id2label' is missing or not an object");
        var byId = new SortedDictionary<int, string>();
        foreach (var p in id2.EnumerateObject())
        {
            if (
                !int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                || p.Value.ValueKind != JsonValueKind.String
            )
                throw new InputException(
                    $"{path}: config key 'id2label' entry '{p.Name}' must map a class id to a label name"
                );
            if (!byId.TryAdd(id, p.Value.GetString()!))
                throw new InputException($"{path}: config key 'id2label' names class id {p.Name} twice");
        }
        int n = byId.Count;
        if (n < 2)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: config key 'id2label' has {n} label(s); a classifier needs at least 2"
                )
            );
        if (byId.Keys.Last() != n - 1)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: config key 'id2label' must number classes 0..{n - 1}"
                )
            );
        var labels = byId.Values.ToArray();
        if (root.TryGetProperty("num_labels", out var nl))
        {
            if (nl.ValueKind != JsonValueKind.Number || !nl.TryGetInt32(out int num) || num != n)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: config key 'num_labels' = {nl.GetRawText()} does not match the {n} entries of 'id2label'"
                    )
                );
        }
        if (root.TryGetProperty("label2id", out var l2))
        {
            if (l2.ValueKind != JsonValueKind.Object)
                throw new InputException($"{path}: config key 'label2id' is not an object");
            int count = 0;
            foreach (var p in l2.EnumerateObject())
            {
                count++;
                int at = Array.IndexOf(labels, p.Name);
                if (at < 0 || p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id != at)
                    throw new InputException(
                        $"{path}: config key 'label2id' entry '{p.Name}' = {p.Value.GetRawText()} disagrees with 'id2label'"
                    );
            }
            if (count != n)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: config key 'label2id' has {count} entries but 'id2label' has {n}"
                    )
                );
        }
        var pooling = ClassifierPooling.Cls;
        if (root.TryGetProperty(ClassifierCheckpoint.PoolingKey, out var pool))
        {
            if (pool.ValueKind != JsonValueKind.String)
                throw new InputException(
                    $"{path}: config key '{ClassifierCheckpoint.PoolingKey}' must be \"cls\" or \"mean\""
                );
            pooling = SequenceClassifier.ParsePooling(
                pool.GetString()!,
                $"{path}: config key '{ClassifierCheckpoint.PoolingKey}'"
            );
        }
        double dropout = 0.1;
        foreach (var key in new[] { "classifier_dropout", "hidden_dropout_prob" })
        {
            if (!root.TryGetProperty(key, out var d) || d.ValueKind == JsonValueKind.Null)
                continue;
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetDouble(out dropout) || dropout is < 0 or >= 1)
                throw new InputException($"{path}: config key '{key}' = {d.GetRawText()} must be a number in [0, 1)");
            break;
        }
        return (labels, pooling, dropout);
    }
}
