using System.Globalization;
using System.Text.Json;

namespace Glassbox.Tokenization;

/// <summary>Reads Hugging Face <c>tokenizer.json</c> files whose model is BPE (byte-level) or WordPiece. The file is
/// validated completely (UTF-8, types of every field read, unique tokens and ids) before a tokenizer is built.</summary>
public static class TokenizerJson
{
    /// <summary>Largest vocabulary id accepted, so a hostile id cannot size a giant table.</summary>
    public const int MaxId = 1 << 24;

    /// <summary>Loads the tokenizer.</summary>
    /// <exception cref="ModelFormatException">Malformed JSON, a field of the wrong type, a duplicate token or id, or an
    /// unsupported model type; the message names the file and the field.</exception>
    public static ITokenizer Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: tokenizer file not found");
        using var doc = JsonText.Parse(File.ReadAllBytes(path), path, (m, inner) => new ModelFormatException(m, inner));
        var root = doc.RootElement;
        ModelFormatException Bad(string what) => new($"{path}: {what}");
        if (
            root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("model", out var model)
            || model.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("vocab", out var vocabEl)
            || vocabEl.ValueKind != JsonValueKind.Object
        )
            throw Bad("missing object model.vocab");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new HashSet<int>();
        foreach (var p in vocabEl.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0 || id > MaxId)
                throw Bad($"model.vocab['{p.Name}'] = {p.Value.GetRawText()} is not an id in 0..{MaxId}");
            if (!vocab.TryAdd(p.Name, id))
                throw Bad($"model.vocab names token '{p.Name}' twice");
            if (!ids.Add(id))
                throw Bad(string.Create(CultureInfo.InvariantCulture, $"model.vocab gives id {id} to two tokens"));
        }
        if (vocab.Count == 0)
            throw Bad("model.vocab is empty");
        string type;
        if (model.TryGetProperty("type", out var t))
            type = t.ValueKind == JsonValueKind.String ? t.GetString()! : throw Bad("model.type must be a string");
        else
            type = model.TryGetProperty("merges", out _) ? "BPE" : "WordPiece";
        var added = AddedTokens(root, Bad);
        switch (type)
        {
            case "BPE":
                try
                {
                    return new ByteLevelBpeTokenizer(vocab, Merges(model, Bad), added);
                }
                catch (ModelFormatException e)
                {
                    throw Bad(e.Message);
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
                try
                {
                    return WordPieceTokenizer.FromVocab(lines.Select(l => l ?? "[unused]"), lower);
                }
                catch (ModelFormatException e)
                {
                    throw Bad(e.Message);
                }
            }
            default:
                throw Bad($"tokenizer model type '{type}' is not supported (BPE and WordPiece are)");
        }
    }

    private static Dictionary<string, int> AddedTokens(JsonElement root, Func<string, ModelFormatException> bad)
    {
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!root.TryGetProperty("added_tokens", out var at) || at.ValueKind == JsonValueKind.Null)
            return added;
        if (at.ValueKind != JsonValueKind.Array)
            throw bad("added_tokens must be a list");
        int i = 0;
        foreach (var a in at.EnumerateArray())
        {
            if (
                a.ValueKind != JsonValueKind.Object
                || !a.TryGetProperty("content", out var c)
                || c.ValueKind != JsonValueKind.String
                || !a.TryGetProperty("id", out var idEl)
                || idEl.ValueKind != JsonValueKind.Number
                || !idEl.TryGetInt32(out int id)
                || id < 0
                || id > MaxId
            )
                throw bad(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"added_tokens[{i}] needs a string 'content' and an id in 0..{MaxId}"
                    )
                );
            if (!added.TryAdd(c.GetString()!, id))
                throw bad($"added_tokens names '{c.GetString()}' twice");
            i++;
        }
        return added;
    }

    private static List<(string, string)> Merges(JsonElement model, Func<string, ModelFormatException> bad)
    {
        var merges = new List<(string, string)>();
        if (!model.TryGetProperty("merges", out var ms) || ms.ValueKind == JsonValueKind.Null)
            return merges;
        if (ms.ValueKind != JsonValueKind.Array)
            throw bad("model.merges must be a list");
        foreach (var m in ms.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.String)
            {
                var parts = m.GetString()!.Split(' ');
                if (parts.Length != 2)
                    throw bad($"merge '{m.GetString()}' is not two symbols");
                merges.Add((parts[0], parts[1]));
            }
            else if (
                m.ValueKind == JsonValueKind.Array
                && m.GetArrayLength() == 2
                && m[0].ValueKind == JsonValueKind.String
                && m[1].ValueKind == JsonValueKind.String
            )
                merges.Add((m[0].GetString()!, m[1].GetString()!));
            else
                throw bad($"bad merge entry {m.GetRawText()}");
        }
        return merges;
    }
}
