using Glassbox.Loading;
using Glassbox.Tests.Loading;
using TorchSharp;

namespace Glassbox.Tests.Fuzz;

/// <summary>Regression tests for the llama2.c header and sharded-index findings of issue 16.</summary>
public class LoaderFindingTests
{
    private static readonly int[] Header = { 8, 12, 2, 2, 1, 10, 6 };

    private static string WriteLlama2c(TempDir dir, int[] header)
    {
        var path = dir.File("m.bin");
        using var w = new BinaryWriter(File.Create(path));
        foreach (var h in header)
            w.Write(h);
        w.Write(new byte[64]);
        return path;
    }

    [Theory]
    [InlineData(0, "dim")]
    [InlineData(1, "hidden_dim")]
    [InlineData(2, "n_layers")]
    [InlineData(3, "n_heads")]
    [InlineData(4, "n_kv_heads")]
    [InlineData(5, "vocab_size")]
    [InlineData(6, "seq_len")]
    public void Should_name_the_llama2c_header_field_that_is_minus_two_to_the_31(int field, string name)
    {
        using var dir = new TempDir();
        var h = (int[])Header.Clone();
        h[field] = int.MinValue;
        var p = WriteLlama2c(dir, h);
        var ex = Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(p));
        Assert.Contains($"field '{name}", ex.Message);
        Assert.Contains("-2147483648", ex.Message);
        Assert.Contains(p, ex.Message);
    }

    /// <summary>Exports a tiny gpt2 checkpoint, then splits it into two shards as <paramref name="split"/> says and
    /// writes the index <paramref name="index"/> builds from the two name lists.</summary>
    private static void Sharded(
        TempDir dir,
        Func<
            List<(string name, torch.Tensor t)>,
            (List<(string name, torch.Tensor t)>, List<(string name, torch.Tensor t)>)
        > split,
        Func<List<string>, List<string>, string> index
    )
    {
        var config = CheckpointFixtures.Config("gpt2");
        var weights = CheckpointFixtures.RandomWeights(config);
        HfExporter.Export(config, weights, dir.Path);
        CheckpointFixtures.DisposeAll(weights.Values);
        var all = CheckpointFixtures.ReadAll(dir.File("model.safetensors"));
        File.Delete(dir.File("model.safetensors"));
        var (a, b) = split(all);
        SafetensorsWriter.Write(dir.File("s1.safetensors"), a);
        SafetensorsWriter.Write(dir.File("s2.safetensors"), b);
        File.WriteAllText(
            dir.File("model.safetensors.index.json"),
            index(a.Select(x => x.Item1).ToList(), b.Select(x => x.Item1).ToList())
        );
        CheckpointFixtures.DisposeAll(all.Select(x => x.t));
    }

    private static string Map(IEnumerable<string> a, IEnumerable<string> b) =>
        "{\"weight_map\":{"
        + string.Join(
            ",",
            a.Select(n => $"\"{n}\":\"s1.safetensors\"").Concat(b.Select(n => $"\"{n}\":\"s2.safetensors\""))
        )
        + "}}";

    private static string Refused(TempDir dir)
    {
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains("model.safetensors.index.json", ex.Message);
        return ex.Message;
    }

    [Fact]
    public void Should_refuse_a_tensor_stored_in_two_shards()
    {
        using var dir = new TempDir();
        Sharded(dir, all => (all.ToList(), all.Take(1).ToList()), (a, b) => Map(a.Skip(1), b));
        Assert.Contains("is stored in shard 's1.safetensors' and in 's2.safetensors'", Refused(dir));
    }

    [Fact]
    public void Should_refuse_a_shard_tensor_the_index_does_not_list()
    {
        using var dir = new TempDir();
        Sharded(
            dir,
            all => (all.Where((_, i) => i % 2 == 0).ToList(), all.Where((_, i) => i % 2 == 1).ToList()),
            (a, b) => Map(a.Skip(1), b)
        );
        Assert.Contains("which weight_map does not list", Refused(dir));
    }

    [Fact]
    public void Should_refuse_an_index_naming_a_missing_shard()
    {
        using var dir = new TempDir();
        Sharded(
            dir,
            all => (all.Where((_, i) => i % 2 == 0).ToList(), all.Where((_, i) => i % 2 == 1).ToList()),
            (a, b) => Map(a, b).Replace("s2.safetensors", "s3.safetensors", StringComparison.Ordinal)
        );
        Assert.Contains("shard 's3.safetensors'", Refused(dir));
    }

    [Fact]
    public void Should_refuse_an_index_with_invalid_utf8()
    {
        using var dir = new TempDir();
        Sharded(
            dir,
            all => (all.Where((_, i) => i % 2 == 0).ToList(), all.Where((_, i) => i % 2 == 1).ToList()),
            (a, b) => Map(a, b)
        );
        var bytes = File.ReadAllBytes(dir.File("model.safetensors.index.json"));
        bytes[Array.IndexOf(bytes, (byte)'s')] = 0xC0;
        File.WriteAllBytes(dir.File("model.safetensors.index.json"), bytes);
        Assert.Contains("UTF-8", Refused(dir));
    }

    [Fact]
    public void Should_refuse_a_config_with_invalid_utf8_naming_the_file()
    {
        using var dir = new TempDir();
        var bytes = System.Text.Encoding.UTF8.GetBytes(CheckpointFixtures.ConfigJson["gpt2"]);
        bytes[3] = 0xFE;
        File.WriteAllBytes(dir.File("config.json"), bytes);
        var ex = Assert.Throws<ConfigException>(() => HfCheckpoint.ReadConfig(dir.Path));
        Assert.Contains("config.json", ex.Message);
        Assert.Contains("UTF-8", ex.Message);
    }

    [Fact]
    public void Should_never_load_a_pickle_checkpoint()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), CheckpointFixtures.ConfigJson["gpt2"]);
        File.WriteAllBytes(dir.File("pytorch_model.bin"), [0x80, 0x02, 0x63]); // a pickle opcode stream
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains("pickle", ex.Message);
    }
}
