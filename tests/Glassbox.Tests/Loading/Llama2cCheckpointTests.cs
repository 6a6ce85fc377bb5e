using Glassbox.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Loading;

public sealed class Llama2cCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-l2c-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Writes a tiny llama2.c checkpoint: dim 8, hidden 12, 2 layers, 2 heads, 1 kv head, vocab 10, seq 6.</summary>
    private string Write(int[] header, long floatCount, int extraBytes = 0)
    {
        var path = Path.Combine(_dir, "m.bin");
        using var w = new BinaryWriter(File.Create(path));
        foreach (var h in header)
            w.Write(h);
        var rng = new Random(1);
        for (long i = 0; i < floatCount; i++)
            w.Write((float)(rng.NextDouble() - 0.5));
        for (int i = 0; i < extraBytes; i++)
            w.Write((byte)0);
        return path;
    }

    private static readonly int[] Header = { 8, 12, 2, 2, 1, 10, 6 };

    // emb 80 + rms_att 16 + wq 128 + wk 64 + wv 64 + wo 128 + rms_ffn 16 + w1 192 + w2 192 + w3 192 + rms_final 8 + freqs 2*6*2
    private const long Floats = 80 + 16 + 128 + 64 + 64 + 128 + 16 + 192 + 192 + 192 + 8 + 24;

    [Fact]
    public void Should_load_a_well_formed_checkpoint_with_gqa()
    {
        using var w = Llama2cCheckpoint.Load(Write(Header, Floats));
        Assert.Equal(2, w.Config.NHeads);
        Assert.Equal(1, w.Config.KvHeads);
        Assert.True(w.Config.TiedEmbeddings);
        Assert.Equal(new long[] { 4, 8 }, w.Weights["blocks.1.attn.W_K"].shape);
    }

    [Fact]
    public void Should_load_an_unshared_classifier_when_vocab_size_is_negative()
    {
        var h = (int[])Header.Clone();
        h[5] = -10;
        using var w = Llama2cCheckpoint.Load(Write(h, Floats + 80));
        Assert.False(w.Config.TiedEmbeddings);
        Assert.True(w.Weights.ContainsKey("unembed.W_U"));
    }

    [Theory]
    [InlineData(-4, 0)]
    [InlineData(4, 0)]
    [InlineData(0, 3)]
    public void Should_reject_a_file_whose_size_disagrees_with_its_header(int deltaFloats, int extraBytes)
    {
        var e = Assert.Throws<ModelFormatException>(() =>
            Llama2cCheckpoint.Load(Write(Header, Floats + deltaFloats, extraBytes))
        );
        Assert.Contains("header implies", e.Message);
    }

    [Theory]
    [InlineData(0, -8)]
    [InlineData(2, 0)]
    [InlineData(0, int.MaxValue)]
    [InlineData(5, 100_000)]
    [InlineData(4, 3)]
    public void Should_reject_bad_header_values_before_allocating(int field, int value)
    {
        var h = (int[])Header.Clone();
        h[field] = value;
        var e = Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(Write(h, Floats)));
        Assert.Contains("m.bin", e.Message);
    }

    [Fact]
    public void Should_reject_a_file_shorter_than_the_header()
    {
        var path = Path.Combine(_dir, "short.bin");
        File.WriteAllBytes(path, new byte[10]);
        Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(path));
    }

    [Fact]
    public void Should_turn_interleaved_rotary_pairs_into_rotate_half_rows()
    {
        // One head of width 4: llama2.c rows (r0, r1, r2, r3) are pairs (r0,r1), (r2,r3); rotate-half wants (r0, r2, r1, r3).
        using var w = tensor(new float[] { 0, 0, 1, 1, 2, 2, 3, 3 }, new long[] { 4, 2 });
        using var p = Llama2cCheckpoint.InterleavedToHalves(w, 1, 4);
        Assert.Equal(new float[] { 0, 0, 2, 2, 1, 1, 3, 3 }, p.data<float>().ToArray());
    }
}
