using Glassbox.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Loading;

/// <summary>NaN or infinite weights fail the load, naming the file and the tensor.</summary>
public sealed class NonFiniteWeightTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-nonfinite-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static void Poison(Tensor t, int count, float value)
    {
        using var flat = t.view(-1);
        for (int i = 0; i < count; i++)
            flat[i * 3].copy_(torch.tensor(value));
    }

    [Fact]
    public void Should_name_the_file_and_tensor_when_a_safetensors_checkpoint_has_nan_values()
    {
        var dir = Path.Combine(_dir, "gpt2");
        var config = CheckpointFixtures.Config("gpt2");
        var weights = CheckpointFixtures.RandomWeights(config);
        try
        {
            HfExporter.Export(config, weights, dir);
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
        CheckpointFixtures.Rewrite(dir, all => all.Select(x =>
                {
                    var copy = x.t.clone();
                    if (x.name == "h.0.attn.c_attn.weight")
                        Poison(copy, 3, float.NaN);
                    if (x.name == "h.1.mlp.c_fc.bias")
                        Poison(copy, 1, float.PositiveInfinity);
                    return (x.name, copy);
                })
                .ToList());
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Load(dir));
        Assert.Contains(
            "model.safetensors: tensor 'h.0.attn.c_attn.weight' has 3 NaN/infinite values",
            ex.Message,
            StringComparison.Ordinal
        );
        Assert.Contains("tensor 'h.1.mlp.c_fc.bias' has 1 NaN/infinite value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_name_the_tensor_when_a_llama2c_checkpoint_has_infinite_values()
    {
        // dim 8, hidden 12, 2 layers, 2 heads, 1 kv head, vocab 10 (shared classifier), seq 6.
        int[] header = { 8, 12, 2, 2, 1, 10, 6 };
        const long floats = 80 + 16 + 128 + 64 + 64 + 128 + 16 + 192 + 192 + 192 + 8 + 24;
        var path = Path.Combine(_dir, "m.bin");
        using (var w = new BinaryWriter(File.Create(path)))
        {
            foreach (var h in header)
                w.Write(h);
            for (long i = 0; i < floats; i++)
                w.Write(i == 80 + 3 ? float.NegativeInfinity : 0.01f * (i % 7)); // rms_att of layer 0
        }
        var ex = Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(path));
        Assert.Contains(
            "m.bin: tensor 'blocks.0.ln1.w' has 1 NaN/infinite value",
            ex.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Should_count_non_finite_values_and_accept_finite_tensors()
    {
        using var ok = torch.ones(4, 4);
        Assert.Equal(0, FiniteWeights.CountNonFinite(ok));
        using var bad = torch.ones(4, 4);
        Poison(bad, 2, float.NaN);
        Assert.Equal(2, FiniteWeights.CountNonFinite(bad));
    }
}
