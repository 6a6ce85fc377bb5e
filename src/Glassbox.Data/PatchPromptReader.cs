namespace Glassbox.Data;

/// <summary>A clean/corrupted prompt pair for activation patching over a prompt set (TransformerLens's IOI-style
/// datasets): the model should continue the clean prompt with <see cref="Answer"/> rather than <see cref="Wrong"/>,
/// and the corrupted prompt (same token length) the other way round or not at all.</summary>
/// <param name="Clean">The clean prompt.</param>
/// <param name="Corrupted">The corrupted prompt.</param>
/// <param name="Answer">The correct continuation of the clean prompt (a word, or <c>#id</c>).</param>
/// <param name="Wrong">The wrong continuation the logit difference is taken against (a word, or <c>#id</c>).</param>
/// <param name="Line">1-based line in the file, for messages.</param>
public sealed record PatchPrompt(string Clean, string Corrupted, string Answer, string Wrong, int Line = 0);

/// <summary>Reads a patching prompt set: JSON Lines with <c>clean</c>, <c>corrupted</c>, <c>answer</c> and
/// <c>wrong</c> (strings) on each line.</summary>
public static class PatchPromptReader
{
    /// <summary>Reads every pair.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">Malformed JSON, a missing, mistyped or empty key, or no pair; the message
    /// names file and line.</exception>
    public static IReadOnlyList<PatchPrompt> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var list = new List<PatchPrompt>();
        foreach (var r in JsonLines.Read(path))
        {
            string Field(string key)
            {
                var v = r.String(key);
                return v.Length > 0 ? v : throw r.Error($"key '{key}' is empty");
            }
            list.Add(new PatchPrompt(Field("clean"), Field("corrupted"), Field("answer"), Field("wrong"), r.Line));
        }
        if (list.Count == 0)
            throw new DataFormatException(
                path,
                0,
                "no prompt pairs (one JSON object per line: clean, corrupted, answer, wrong)"
            );
        return list;
    }
}
