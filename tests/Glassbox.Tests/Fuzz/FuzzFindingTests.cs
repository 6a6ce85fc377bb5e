using Glassbox.Data;
using Glassbox.Tests.Loading;
using Glassbox.Tests.Tokenization;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Fuzz;

/// <summary>Every failure the fuzz harness found, as a permanent test with its minimised input (SQLite's habit).
/// The base64 strings are the harness's minimised inputs, verbatim.</summary>
public class FuzzFindingTests
{
    private static string Write(TempDir dir, string name, string base64)
    {
        string p = dir.File(name);
        File.WriteAllBytes(p, Convert.FromBase64String(base64));
        return p;
    }

    private static void Named<T>(string path, Action read)
        where T : GlassboxException
    {
        var ex = Assert.Throws<T>(read);
        Assert.Contains(path, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    // Duplicate token in model.vocab: was ArgumentException from ToDictionary.
    [InlineData(
        "eyIiOlt7IiI6OCwiIjoiIn1dLCJtb2RlbCI6eyIiOiIiLCJ2b2NhYiI6eyIiOjAsIiI6MSwiIjoxLCIiOjcsIiI6MCwiIjowfSwiIjpbIiJdfX0="
    )]
    // Id 1e8 written as a float: was FormatException from GetInt32.
    [InlineData("eyJtb2RlbCI6eyIiOiIiLCJ2b2NhYiI6eyIiOjEsIkMiOjIsIiI6MWU4LCIiOjUsIiI6Nn19fQ==")]
    // An array where an id belongs: was InvalidOperationException.
    [InlineData(
        "eyIiOlt7IiI6OCwiIjoiIn1dLCJtb2RlbCI6eyIiOiIiLCJ2b2NhYiI6eyIiOjAsIjAiOjcsIiI6W10sIiI6OSwiIjowLCIiOjcsIiI6MH0sIiI6WyIiXX19"
    )]
    // A negative id in a WordPiece vocabulary: was IndexOutOfRangeException.
    [InlineData("eyJtb2RlbCI6eyIiOiIiLCJ2b2NhYiI6eyJdIjowLCJQIjozLCJlIjotMSwiZyI6NSwiIjo2fX19")]
    public void Should_refuse_malformed_tokenizer_json_naming_the_file(string base64)
    {
        using var dir = new TempDir();
        var p = Write(dir, "tokenizer.json", base64);
        Named<ModelFormatException>(p, () => TokenizerJson.Load(p));
    }

    [Fact]
    public void Should_refuse_a_jsonl_line_with_a_lone_surrogate_escape_naming_file_and_line()
    {
        using var dir = new TempDir();
        var p = Write(dir, "data.jsonl", "eyJ0ZXh0IjoiIiwibGFiZWwiOiJcdWQ4MDAifQ==");
        var ex = Assert.Throws<DataFormatException>(() => LabeledSentenceReader.Read(p));
        Assert.Contains(p, ex.Message);
        Assert.Equal(1, ex.LineNumber);
    }

    [Fact]
    public void Should_name_the_vocab_file_that_lacks_unk()
    {
        using var dir = new TempDir();
        var p = dir.File("vocab.txt");
        File.WriteAllText(p, "");
        Named<ModelFormatException>(p, () => WordPieceTokenizer.FromFile(p));
    }

    [Fact]
    public void Should_keep_a_json_syntax_error_on_one_line()
    {
        using var dir = new TempDir();
        var p = dir.File("config.json");
        File.WriteAllText(p, "{\"model_type\":\"gpt2\",\n\"n_layer\": f lse,\n\"x\":1}");
        Named<ConfigException>(p, () => Glassbox.Loading.HfCheckpoint.ReadConfig(dir.Path));
    }

    [Fact]
    public void Should_refuse_a_bpe_vocabulary_id_of_two_billion_without_allocating_a_table()
    {
        using var dir = new TempDir();
        TinyBpe.WriteFiles(dir.Path);
        File.WriteAllText(dir.File("vocab.json"), "{\"h\":0,\"e\":2147483647}");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Named<ModelFormatException>(dir.File("vocab.json"), () =>
            ByteLevelBpeTokenizer.FromFiles(dir.File("vocab.json"), dir.File("merges.txt"))
        );
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
    }

    [Fact]
    public void Should_refuse_to_encode_a_byte_a_small_llama2c_vocabulary_cannot_represent()
    {
        using var dir = new TempDir();
        var p = Write(
            dir,
            "tokenizer.bin",
            "BQAAAAAAAAAFAAAAPHVuaz4AAIC/AwAAADxzPgAAAMAEAAAAPC9zPgAAQMABAAAAYQAAgMABAAAAAACgwAEAAAAAAADAwAIAAABhYgAA4MACAAAAYmMAAADBAwAAAGFiYwAAEMEBAAAAIA=="
        );
        var tok = Llama2cTokenizer.FromFile(p, 10);
        Assert.Contains("byte-fallback", Assert.Throws<InputException>(() => tok.Encode("abc cab")).Message);
    }

    [Fact]
    public void Should_refuse_a_bpe_vocabulary_whose_largest_id_is_int_max()
    {
        using var dir = new TempDir();
        TinyBpe.WriteFiles(dir.Path);
        var p = Write(dir, "vocab.json", "eyIiOjAsIiI6NiwiIjo5LCIiOjEsIiI6MjE0NzQ4MzY0NywiciI6NSwiZCI6MH0=");
        Named<ModelFormatException>(p, () => ByteLevelBpeTokenizer.FromFiles(p, dir.File("merges.txt")));
    }
}
