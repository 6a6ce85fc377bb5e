using System.Text.Json;

namespace Glassbox.Tests.Tokenization;

/// <summary>A tiny byte-level BPE vocabulary (GPT-2 style) in which "hello" and " world" are single tokens.</summary>
internal static class TinyBpe
{
    // 'Ġ' is the byte-level form of a space.
    public static readonly string[] Symbols =
    {
        "h",
        "e",
        "l",
        "o",
        "w",
        "r",
        "d",
        "Ġ",
        "!",
        "he",
        "ll",
        "hell",
        "hello",
        "Ġw",
        "or",
        "Ġwor",
        "ld",
        "Ġworld",
        "<|endoftext|>",
        "Ã",
        "©",
    };
    public static readonly (string, string)[] Merges =
    {
        ("h", "e"),
        ("l", "l"),
        ("he", "ll"),
        ("hell", "o"),
        ("Ġ", "w"),
        ("o", "r"),
        ("Ġw", "or"),
        ("l", "d"),
        ("Ġwor", "ld"),
    };

    /// <summary>Writes <c>vocab.json</c> and <c>merges.txt</c> into <paramref name="dir"/>; returns it.</summary>
    public static string WriteFiles(string dir)
    {
        File.WriteAllText(
            Path.Combine(dir, "vocab.json"),
            JsonSerializer.Serialize(Symbols.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i))
        );
        File.WriteAllText(
            Path.Combine(dir, "merges.txt"),
            "#version: 0.2\n" + string.Concat(Merges.Select(m => $"{m.Item1} {m.Item2}\n"))
        );
        return dir;
    }
}
