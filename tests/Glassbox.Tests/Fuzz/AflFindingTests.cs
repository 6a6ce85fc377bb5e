using Glassbox.Tokenization;

namespace Glassbox.Tests.Fuzz;

/// <summary>Regression tests for the crashes AFL found on 2026-12-06 (docs/reliability.md), with their inputs.</summary>
public sealed class AflFindingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-afl-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_refuse_a_llama2c_tokenizer_piece_length_near_two_to_the_31()
    {
        var path = Path.Combine(_dir, "tok.bin");
        File.WriteAllBytes(
            path,
            Convert.FromBase64String(
                "BgAAAAAAAAAFAAAAPHVuaz4AAIC/AwAAADxzPgAAAMAEAAAAPC9zPgAAQMD///9/PDB4MDA+EgCAwAYA6f88MHgwMT4AAKDABgAAADwweDAyPgAAzMAGAAAAPDB4MDM+AADgwAEAAABoAAAAwQEAAABlAAAQwQEAAABsAAAgwQEAAABvAAAwwQEAAAAgAABAwQIAAABoZQAAUMECAAAAbGwAAGDBBAAAAGhlbGw="
            )
        );
        try
        {
            Llama2cTokenizer.FromFile(path).Encode("hello world", true);
        }
        catch (GlassboxException) { }
    }

    [Fact]
    public void Should_refuse_a_negative_id_in_vocab_json()
    {
        File.WriteAllText(Path.Combine(_dir, "vocab.json"), "{\"h\":-66}");
        File.WriteAllText(Path.Combine(_dir, "merges.txt"), "#version: 0.2\nh e\nl l\n");
        var e = Assert.Throws<ModelFormatException>(() =>
            ByteLevelBpeTokenizer.FromFiles(Path.Combine(_dir, "vocab.json"), Path.Combine(_dir, "merges.txt"))
        );
        Assert.Contains("smallest -66", e.Message, StringComparison.Ordinal);
    }
}
