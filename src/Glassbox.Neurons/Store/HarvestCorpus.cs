using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Glassbox.Neurons.Store;

/// <summary>
/// A text corpus read for a harvest: a UTF-8 file of documents, either separated by lines that hold only
/// <c>&lt;|endoftext|&gt;</c> (the TinyStories format; a trailing document without a separator is kept) or, when the
/// file has no such line, one document per non-blank line. Documents are trimmed; empty ones are dropped. The file is
/// read once up front (its SHA-256, its format and its document count) and then streamed shard by shard, so memory
/// does not grow with the corpus.
/// </summary>
public sealed class HarvestCorpus
{
    /// <summary>The document separator line of the TinyStories format.</summary>
    public const string Separator = "<|endoftext|>";

    private HarvestCorpus(string path, string sha256, bool separated, long documents)
    {
        Path = path;
        Sha256 = sha256;
        Separated = separated;
        Documents = documents;
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the file's bytes (lower-case hex).</summary>
    public string Sha256 { get; }

    /// <summary>True when documents are separated by <see cref="Separator"/> lines, false for one per line.</summary>
    public bool Separated { get; }

    /// <summary>Number of (non-empty) documents.</summary>
    public long Documents { get; }

    /// <summary>Reads and checks a corpus file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="argument">The option that named it, for messages (e.g. <c>--corpus</c>).</param>
    /// <exception cref="InputException">The file is missing, unreadable, not UTF-8 text, or has no document.</exception>
    public static HarvestCorpus Open(string path, string argument = "--corpus")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new InputException($"{argument}: file '{path}' does not exist");
        string full = System.IO.Path.GetFullPath(path);
        string sha;
        bool separated = false;
        try
        {
            using (var s = File.OpenRead(full))
                sha = Convert.ToHexStringLower(SHA256.HashData(s));
            foreach (var line in ReadLines(full))
                if (line.Trim() == Separator)
                {
                    separated = true;
                    break;
                }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new InputException($"{argument}: cannot read '{path}' as UTF-8 text ({e.Message})", e);
        }
        long count = 0;
        foreach (var _ in Split(full, separated))
            count++;
        if (count == 0)
            throw new InputException($"{argument}: '{path}' holds no document (the corpus is empty)");
        return new HarvestCorpus(full, sha, separated, count);
    }

    /// <summary>The documents in order, read lazily.</summary>
    public IEnumerable<string> Read() => Split(Path, Separated);

    /// <summary>Describes the format for manifests and messages.</summary>
    public string Format => Separated ? "separated by " + Separator : "one document per line";

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Path} ({Documents} documents, {Format})");

    private static IEnumerable<string> Split(string path, bool separated)
    {
        if (!separated)
        {
            foreach (var line in ReadLines(path))
                if (line.Trim() is { Length: > 0 } t)
                    yield return t;
            yield break;
        }
        var sb = new StringBuilder();
        foreach (var line in ReadLines(path))
        {
            if (line.Trim() == Separator)
            {
                if (sb.ToString().Trim() is { Length: > 0 } doc)
                    yield return doc;
                sb.Clear();
            }
            else
                sb.Append(line).Append('\n');
        }
        if (sb.ToString().Trim() is { Length: > 0 } last)
            yield return last;
    }

    private static IEnumerable<string> ReadLines(string path) =>
        File.ReadLines(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
}
