using System.Globalization;
using Glassbox.Tokenization;

namespace Glassbox.Training;

/// <summary>
/// Training windows from a text file: the text is split into documents at <c>&lt;|endoftext|&gt;</c>, tokenised
/// (byte-level, or a BPE trained on the file), and joined into one stream with the end-of-text id between documents.
/// Each sample is BOS followed by a random window of the stream.
/// </summary>
public sealed class TextCorpusData : ITrainingData
{
    private readonly int[] _stream;

    /// <inheritdoc/>
    public int VocabSize { get; }

    /// <inheritdoc/>
    public int? BosId { get; }

    /// <inheritdoc/>
    public ITokenizer? Tokenizer { get; }

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>Number of tokens in the stream.</summary>
    public int TokenCount => _stream.Length;

    private TextCorpusData(int[] stream, ByteLevelBpeTokenizer tok, string description)
    {
        _stream = stream;
        Tokenizer = tok;
        VocabSize = tok.VocabSize;
        BosId = tok.BosId;
        Description = description;
    }

    /// <summary>Reads and tokenises <paramref name="path"/>; <paramref name="bpeMerges"/> &gt; 0 trains a BPE on it first.</summary>
    /// <exception cref="InputException">The file is missing or has no text.</exception>
    public static TextCorpusData Load(string path, int bpeMerges = 0)
    {
        if (!File.Exists(path))
            throw new InputException($"--data file '{path}' does not exist");
        var text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text))
            throw new InputException($"--data file '{path}' is empty");
        var tok = bpeMerges > 0 ? BpeTrainer.Train(text, bpeMerges) : ByteTokenizer.Create();
        int eot = tok.EosId ?? throw new InvalidOperationException("tokenizer lacks <|endoftext|>");
        var stream = new List<int>();
        foreach (var doc in text.Split(ByteTokenizer.EndOfText))
        {
            var d = doc.Trim('\n');
            if (d.Length == 0)
                continue;
            stream.AddRange(tok.Encode(d, false).Ids);
            stream.Add(eot);
        }
        string kind =
            bpeMerges > 0
                ? string.Create(CultureInfo.InvariantCulture, $"BPE with {tok.VocabSize - 257} merges")
                : "byte-level";
        return new TextCorpusData(stream.ToArray(), tok, $"{Path.GetFileName(path)} ({kind}, {stream.Count} tokens)");
    }

    /// <inheritdoc/>
    public int[] Sample(Random rng, int length)
    {
        var s = new int[length];
        s[0] = BosId ?? 0;
        int n = length - 1;
        if (_stream.Length < n)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the corpus has {_stream.Length} tokens, fewer than the context {length}"
                )
            );
        int start = rng.Next(0, _stream.Length - n + 1);
        Array.Copy(_stream, start, s, 1, n);
        return s;
    }
}
