using System.Text.Json;

namespace Glassbox.Tokenization;

/// <summary>Reads Hugging Face <c>tokenizer.json</c> files whose model is BPE (byte-level) or WordPiece.</summary>
public static class TokenizerJson
{
    /// <summary>Loads the tokenizer.</summary>
    /// <exception cref="ModelFormatException">Malformed JSON or an unsupported model type.</exception>
    public static ITokenizer Load(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (
                !root.TryGetProperty("model", out var model)
                || !model.TryGetProperty("vocab", out var vocabEl)
                || vocabEl.ValueKind != JsonValueKind.Object
            )
                throw new ModelFormatException($"{path}: missing model.vocab");
            var vocab = vocabEl
                .EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
            string type = model.TryGetProperty("type", out var t)
                ? t.GetString() ?? ""
                : (model.TryGetProperty("merges", out _) ? "BPE" : "WordPiece");
            var added =
                root.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array
                    ? at.EnumerateArray()
                        .ToDictionary(
                            a => a.GetProperty("content").GetString()!,
                            a => a.GetProperty("id").GetInt32(),
                            StringComparer.Ordinal
                        )
                    : new Dictionary<string, int>();
            switch (type)
            {
                case "BPE":
                {
                    var merges = new List<(string, string)>();
                    if (model.TryGetProperty("merges", out var ms))
                        foreach (var m in ms.EnumerateArray())
                        {
                            if (m.ValueKind == JsonValueKind.String)
                            {
                                var parts = m.GetString()!.Split(' ');
                                if (parts.Length != 2)
                                    throw new ModelFormatException(
                                        $"{path}: merge '{m.GetString()}' is not two symbols"
                                    );
                                merges.Add((parts[0], parts[1]));
                            }
                            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2)
                                merges.Add((m[0].GetString()!, m[1].GetString()!));
                            else
                                throw new ModelFormatException($"{path}: bad merge entry {m}");
                        }
                    return new ByteLevelBpeTokenizer(vocab, merges, added);
                }
                case "WordPiece":
                {
                    var lines = new string[vocab.Values.Max() + 1];
                    foreach (var (k, v) in vocab)
                        lines[v] = k;
                    bool lower = !(
                        root.TryGetProperty("normalizer", out var norm)
                        && norm.ValueKind == JsonValueKind.Object
                        && norm.TryGetProperty("lowercase", out var lc)
                        && lc.ValueKind == JsonValueKind.False
                    );
                    return WordPieceTokenizer.FromVocab(lines.Select(l => l ?? "[unused]"), lower);
                }
                default:
                    throw new ModelFormatException(
                        $"{path}: tokenizer model type '{type}' is not supported (BPE and WordPiece are)"
                    );
            }
        }
    }
}
