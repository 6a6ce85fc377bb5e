using System.Text.Json;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Tokenization;

public sealed class ByteLevelBpeTokenizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-bpe-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string WriteFiles() => TinyBpe.WriteFiles(_dir);

    [Fact]
    public void Should_apply_merges_by_rank_and_keep_offsets()
    {
        WriteFiles();
        var tok = ByteLevelBpeTokenizer.FromFiles(Path.Combine(_dir, "vocab.json"), Path.Combine(_dir, "merges.txt"));
        const string text = "hello world!";
        var enc = tok.Encode(text);
        Assert.Equal(new[] { 12, 17, 8 }, enc.Ids);
        Assert.Equal(new[] { "hello", " world", "!" }, enc.Offsets.Select(o => text.Substring(o.Start, o.Length)));
        Assert.Equal(text, tok.Decode(enc.Ids));
        Assert.Equal(18, tok.EosId);
    }

    [Fact]
    public void Should_map_multibyte_characters_to_byte_tokens_that_round_trip()
    {
        WriteFiles();
        var tok = TokenizerFactory.FromDirectory(_dir)!;
        var enc = tok.Encode("é");
        Assert.Equal(new[] { 19, 20 }, enc.Ids);
        Assert.All(enc.Offsets, o => Assert.Equal((0, 1), o));
        Assert.Equal("é", tok.Decode(enc.Ids));
    }

    [Fact]
    public void Should_read_tokenizer_json_with_the_same_result()
    {
        var json = new
        {
            added_tokens = new[] { new { id = 18, content = "<|endoftext|>" } },
            model = new
            {
                type = "BPE",
                vocab = TinyBpe.Symbols.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i),
                merges = TinyBpe.Merges.Select(m => $"{m.Item1} {m.Item2}").ToArray(),
            },
        };
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), JsonSerializer.Serialize(json));
        var tok = TokenizerFactory.FromDirectory(_dir)!;
        var enc = tok.Encode("hello<|endoftext|> world");
        Assert.Equal(new[] { 12, 18, 17 }, enc.Ids);
    }

    [Fact]
    public void Should_reject_a_malformed_merges_file()
    {
        File.WriteAllText(Path.Combine(_dir, "vocab.json"), "{\"a\": 0}");
        File.WriteAllText(Path.Combine(_dir, "merges.txt"), "#version: 0.2\na b c\n");
        var e = Assert.Throws<ModelFormatException>(() => TokenizerFactory.FromDirectory(_dir));
        Assert.Contains("merges.txt:2", e.Message);
    }

    [Fact]
    public void Should_return_null_for_a_directory_without_tokenizer_files() =>
        Assert.Null(TokenizerFactory.FromDirectory(_dir));
}
