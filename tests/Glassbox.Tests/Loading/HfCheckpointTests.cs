using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Loading;

public class HfCheckpointTests
{
    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("mistral")]
    [InlineData("bert")]
    [InlineData("gpt_neox")]
    public void Should_round_trip_export_and_load_for_each_family(string type)
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config(type);
        var weights = CheckpointFixtures.RandomWeights(config);
        try
        {
            HfExporter.Export(config, weights, dir.Path);
            using var loaded = HfCheckpoint.Load(dir.Path);
            Assert.Equal(config, loaded.Config);
            Assert.Equal(weights.Keys.Order(), loaded.Weights.Keys.Order());
            foreach (var (name, t) in weights)
                TensorAssert.Same(t, loaded.Weights[name], name);
            Assert.True(File.Exists(dir.File("config.json")));
            Assert.Contains($"\"model_type\": \"{type}\"", File.ReadAllText(dir.File("config.json")));
            Assert.Contains("\"architectures\"", File.ReadAllText(dir.File("config.json")));
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
    }

    [Fact]
    public void Should_write_hf_key_names_and_layouts_for_gpt2()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("gpt2");
        var weights = CheckpointFixtures.RandomWeights(config);
        try
        {
            HfExporter.Export(config, weights, dir.Path);
            using var f = SafetensorsFile.Open(dir.File("model.safetensors"));
            Assert.Equal("pt", f.Metadata["format"]);
            Assert.Equal(new long[] { 16, 48 }, f.Entry("h.0.attn.c_attn.weight").Shape); // Conv1D [d_model, 3*d_model]
            Assert.Equal(new long[] { 16, 64 }, f.Entry("h.1.mlp.c_fc.weight").Shape); // Conv1D [d_model, d_mlp]
            Assert.False(f.Contains("lm_head.weight"));
            using var cfc = f.ReadTensor("h.1.mlp.c_fc.weight");
            using var wInT = weights["blocks.1.mlp.W_in"].t();
            TensorAssert.Same(wInT, cfc, "c_fc = W_in^T");
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
    }

    [Fact]
    public void Should_split_a_hand_built_gpt2_c_attn_and_transpose_conv1d()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("gpt2");
        var weights = CheckpointFixtures.RandomWeights(config);
        HfExporter.Export(config, weights, dir.Path);
        CheckpointFixtures.DisposeAll(weights.Values);
        using var cAttn = ScalarMath.Arange(16 * 48, ScalarType.Float32).reshape(16, 48); // [d_model, 3*d_model]
        using var cAttnBias = ScalarMath.Arange(48, ScalarType.Float32).AddScalar(1000.0);
        using var cProj = ScalarMath.Arange(16 * 16, ScalarType.Float32).reshape(16, 16).SubScalar(500);
        CheckpointFixtures.Rewrite(dir.Path, all => all.Select(x =>
                    x.name switch
                    {
                        "h.0.attn.c_attn.weight" => (x.name, cAttn.clone()),
                        "h.0.attn.c_attn.bias" => (x.name, cAttnBias.clone()),
                        "h.0.attn.c_proj.weight" => (x.name, cProj.clone()),
                        _ => (x.name, x.t.clone()),
                    }
                )
                .ToList());

        using var loaded = HfCheckpoint.Load(dir.Path);
        var w = loaded.Weights;
        for (int i = 0; i < 3; i++)
        {
            string part = "QKV"[i].ToString();
            using var expectW = cAttn.narrow(1, 16 * i, 16).t().contiguous();
            TensorAssert.Same(expectW, w[$"blocks.0.attn.W_{part}"], $"W_{part}");
            using var expectB = cAttnBias.narrow(0, 16 * i, 16).contiguous();
            TensorAssert.Same(expectB, w[$"blocks.0.attn.b_{part}"], $"b_{part}");
        }
        // Spot values: W_Q[out=1, in=2] = c_attn[in=2, out=1]; W_K[0, 0] = c_attn[0, 16].
        Assert.Equal(2 * 48 + 1, w["blocks.0.attn.W_Q"][1, 2].item<float>());
        Assert.Equal(16f, w["blocks.0.attn.W_K"][0, 0].item<float>());
        using var expectO = cProj.t().contiguous();
        TensorAssert.Same(expectO, w["blocks.0.attn.W_O"], "W_O = c_proj^T");
    }

    [Fact]
    public void Should_split_a_hand_built_neox_query_key_value_per_head()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("gpt_neox"); // 4 heads, d_head 4
        var weights = CheckpointFixtures.RandomWeights(config);
        HfExporter.Export(config, weights, dir.Path);
        CheckpointFixtures.DisposeAll(weights.Values);
        // Row r of query_key_value: head r / 12, part (r % 12) / 4, row-in-head r % 4.
        using var qkv = ScalarMath.Arange(48, ScalarType.Float32).unsqueeze(1).expand(48, 16).contiguous(); // [n_heads*3*d_head, d_model]
        using var qkvBias = ScalarMath.Arange(48, ScalarType.Float32);
        CheckpointFixtures.Rewrite(dir.Path, all => all.Select(x =>
                    x.name switch
                    {
                        "gpt_neox.layers.1.attention.query_key_value.weight" => (x.name, qkv.clone()),
                        "gpt_neox.layers.1.attention.query_key_value.bias" => (x.name, qkvBias.clone()),
                        _ => (x.name, x.t.clone()),
                    }
                )
                .ToList());

        using var loaded = HfCheckpoint.Load(dir.Path);
        for (int part = 0; part < 3; part++)
        {
            string p = "QKV"[part].ToString();
            var expected = Enumerable.Range(0, 16).Select(row => (float)(row / 4 * 12 + part * 4 + row % 4)).ToArray();
            Assert.Equal(expected, loaded.Weights[$"blocks.1.attn.b_{p}"].data<float>().ToArray());
            using var col0 = loaded.Weights[$"blocks.1.attn.W_{p}"].select(1, 0).contiguous();
            Assert.Equal(expected, col0.data<float>().ToArray());
        }
    }

    [Fact]
    public void Should_report_missing_extra_and_misshapen_keys_together()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("gpt2");
        var weights = CheckpointFixtures.RandomWeights(config);
        HfExporter.Export(config, weights, dir.Path);
        CheckpointFixtures.DisposeAll(weights.Values);
        CheckpointFixtures.Rewrite(dir.Path, all =>
        {
            var list = all.Where(x => x.name != "h.0.ln_1.weight")
                .Select(x => x.name == "h.1.mlp.c_fc.weight" ? (x.name, torch.zeros(64, 16)) : (x.name, x.t.clone()))
                .ToList();
            list.Add(("h.0.attn.extra.weight", torch.zeros(3)));
            return list;
        });

        var ex = Assert.Throws<WeightMismatchException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Equal(3, ex.Problems.Count);
        Assert.Contains(ex.Problems, p =>
            p.Contains("missing") && p.Contains("blocks.0.ln1.w") && p.Contains("h.0.ln_1.weight")
        );
        Assert.Contains(ex.Problems, p => p.Contains("unexpected") && p.Contains("h.0.attn.extra.weight"));
        Assert.Contains(ex.Problems, p =>
            p.Contains("shape mismatch")
            && p.Contains("h.1.mlp.c_fc.weight")
            && p.Contains("[16, 64]")
            && p.Contains("[64, 16]")
        );
        Assert.Contains(dir.Path, ex.Message);
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Should_load_half_precision_checkpoints_as_float32(ScalarType stored)
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("llama");
        var weights = CheckpointFixtures.RandomWeights(config, stored);
        try
        {
            HfExporter.Export(config, weights, dir.Path);
            using (var f = SafetensorsFile.Open(dir.File("model.safetensors")))
                Assert.All(f.Entries, e => Assert.Equal(stored == ScalarType.BFloat16 ? "BF16" : "F16", e.DType));
            using var loaded = HfCheckpoint.Load(dir.Path);
            foreach (var (name, t) in weights)
            {
                Assert.Equal(ScalarType.Float32, loaded.Weights[name].dtype);
                using var expected = t.to_type(ScalarType.Float32);
                TensorAssert.Same(expected, loaded.Weights[name], name);
            }
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
    }

    [Fact]
    public void Should_accept_prefixed_keys_and_ignore_known_buffers()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("bert");
        var weights = CheckpointFixtures.RandomWeights(config);
        try
        {
            HfExporter.Export(config, weights, dir.Path);
            CheckpointFixtures.Rewrite(dir.Path, all =>
            {
                var list = all.Select(x => ("bert." + x.name, x.t.clone())).ToList();
                list.Add(("bert.pooler.dense.weight", torch.zeros(16, 16)));
                list.Add(("bert.pooler.dense.bias", torch.zeros(16)));
                list.Add(("bert.embeddings.position_ids", ScalarMath.Arange(32).unsqueeze(0)));
                return list;
            });
            using var loaded = HfCheckpoint.Load(dir.Path);
            foreach (var (name, t) in weights)
                TensorAssert.Same(t, loaded.Weights[name], name);
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
    }

    [Fact]
    public void Should_load_a_sharded_checkpoint()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("gpt_neox");
        var weights = CheckpointFixtures.RandomWeights(config);
        try
        {
            HfExporter.Export(config, weights, dir.Path);
            var all = CheckpointFixtures.ReadAll(dir.File("model.safetensors"));
            File.Delete(dir.File("model.safetensors"));
            var a = all.Where((_, i) => i % 2 == 0).ToList();
            var b = all.Where((_, i) => i % 2 == 1).ToList();
            SafetensorsWriter.Write(dir.File("model-00001-of-00002.safetensors"), a);
            SafetensorsWriter.Write(dir.File("model-00002-of-00002.safetensors"), b);
            var map = a.Select(x => $"\"{x.name}\":\"model-00001-of-00002.safetensors\"")
                .Concat(b.Select(x => $"\"{x.name}\":\"model-00002-of-00002.safetensors\""));
            File.WriteAllText(
                dir.File("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{" + string.Join(",", map) + "}}"
            );
            CheckpointFixtures.DisposeAll(all.Select(x => x.t));

            using var loaded = HfCheckpoint.Load(dir.Path);
            foreach (var (name, t) in weights)
                TensorAssert.Same(t, loaded.Weights[name], name);
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
    }

    [Fact]
    public void Should_refuse_a_shard_path_outside_the_folder()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), CheckpointFixtures.ConfigJson["gpt2"]);
        File.WriteAllText(
            dir.File("model.safetensors.index.json"),
            "{\"weight_map\":{\"wte.weight\":\"../evil.safetensors\"}}"
        );
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains("../evil.safetensors", ex.Message);
    }

    [Fact]
    public void Should_refuse_to_export_a_config_the_family_cannot_express()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("gpt2") with { Causal = false };
        var weights = CheckpointFixtures.RandomWeights(config);
        try
        {
            var ex = Assert.Throws<ConfigException>(() => HfExporter.Export(config, weights, dir.Path));
            Assert.Contains("Causal", ex.Message);
            Assert.Empty(Directory.GetFiles(dir.Path));
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
    }

    [Fact]
    public void Should_refuse_to_export_weights_that_do_not_match_the_layout()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("llama");
        var weights = CheckpointFixtures.RandomWeights(config);
        try
        {
            weights.Remove("blocks.1.mlp.W_gate", out var gate);
            gate!.Dispose();
            var ex = Assert.Throws<WeightMismatchException>(() => HfExporter.Export(config, weights, dir.Path));
            Assert.Contains(ex.Problems, p => p.Contains("blocks.1.mlp.W_gate"));
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
    }
}
