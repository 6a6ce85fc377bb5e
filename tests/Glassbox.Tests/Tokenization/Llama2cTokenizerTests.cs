using Glassbox.Data;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Tokenization;

public sealed class Llama2cTokenizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-l2c-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Tok512 => SharedData.File("stories260K", "tok512.bin") ?? "";

    [SkippableFact]
    public void Should_encode_with_a_dummy_prefix_and_decode_back()
    {
        Skip.If(Tok512 == "", "../shared/data/stories260K is absent");
        var tok = Llama2cTokenizer.FromFile(Tok512, 512);
        const string text = "Once upon a time, Lily saw a big dog.";
        var enc = tok.Encode(text);
        Assert.Equal(1, enc.Ids[0]);
        Assert.Equal(text, tok.Decode(enc.Ids));
        Assert.Equal(0, enc.Offsets[1].Start);
        var covered = string.Concat(enc.Offsets.Skip(1).Select(o => text.Substring(o.Start, o.Length)));
        Assert.Equal(text, covered);
    }

    [SkippableFact]
    public void Should_fall_back_to_bytes_for_unknown_characters()
    {
        Skip.If(Tok512 == "", "../shared/data/stories260K is absent");
        var tok = Llama2cTokenizer.FromFile(Tok512, 512);
        const string text = "café 🙂";
        var enc = tok.Encode(text);
        Assert.Contains(enc.Ids, id => id >= 3 && id < 259);
        Assert.Equal(text, tok.Decode(enc.Ids));
    }

    [SkippableFact]
    public void Should_reject_a_vocabulary_size_that_does_not_match_the_file()
    {
        Skip.If(Tok512 == "", "../shared/data/stories260K is absent");
        Assert.Throws<ModelFormatException>(() => Llama2cTokenizer.FromFile(Tok512, 511));
        Assert.Throws<ModelFormatException>(() => Llama2cTokenizer.FromFile(Tok512, 513));
    }

    [Fact]
    public void Should_reject_truncated_files_and_bad_lengths()
    {
        var path = Path.Combine(_dir, "t.bin");
        using (var w = new BinaryWriter(File.Create(path)))
        {
            w.Write(4);
            w.Write(0f);
            w.Write(1);
            w.Write((byte)'a');
            w.Write(0f);
            w.Write(1_000_000);
        }
        var e = Assert.Throws<ModelFormatException>(() => Llama2cTokenizer.FromFile(path, 2));
        Assert.Contains("t.bin", e.Message);
        File.WriteAllBytes(path, new byte[] { 1, 2 });
        Assert.Throws<ModelFormatException>(() => Llama2cTokenizer.FromFile(path, 2));
    }

    [Fact]
    public void Should_merge_the_highest_scoring_pair_first_and_save_round_trip()
    {
        var path = Path.Combine(_dir, "t.bin");
        var pieces = new List<(float, string)> { (0, "<unk>"), (0, "\n<s>\n"), (0, "\n</s>\n") };
        for (int b = 0; b < 256; b++)
            pieces.Add((0, $"<0x{b:X2}>"));
        pieces.AddRange(new[] { (0f, " "), (0f, "a"), (0f, "b"), (-1f, "ab"), (-2f, " a"), (-3f, " ab") });
        using (var w = new BinaryWriter(File.Create(path)))
        {
            w.Write(8);
            foreach (var (score, s) in pieces)
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(s);
                w.Write(score);
                w.Write(bytes.Length);
                w.Write(bytes);
            }
        }
        var tok = Llama2cTokenizer.FromFile(path, pieces.Count);
        int Id(string s) => pieces.FindIndex(p => p.Item2 == s);
        // " a b" -> [" ", "a", "b"]: "ab" (-1) beats " a" (-2), then " ab" (-3).
        Assert.Equal(new[] { 1, Id(" ab") }, tok.Encode("ab").Ids);
        var copy = Path.Combine(_dir, "copy.bin");
        tok.Save(copy);
        Assert.Equal(File.ReadAllBytes(path)[4..], File.ReadAllBytes(copy)[4..]);
        Assert.Equal(pieces.Count, Llama2cTokenizer.FromFile(copy).VocabSize);
    }
}
