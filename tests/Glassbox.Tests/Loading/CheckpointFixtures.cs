using System.Text.Json;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Models.Families;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Loading;

/// <summary>Tiny configs for each family and helpers to make and rewrite checkpoints.</summary>
public static class CheckpointFixtures
{
    public static readonly Dictionary<string, string> ConfigJson = new()
    {
        ["gpt2"] =
            """{"model_type":"gpt2","n_embd":16,"n_layer":2,"n_head":4,"n_positions":32,"vocab_size":50,"bos_token_id":0,"eos_token_id":0}""",
        ["llama"] =
            """{"model_type":"llama","hidden_size":16,"intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":50,"max_position_embeddings":32,"rope_theta":500000.0,"rms_norm_eps":1e-5,"tie_word_embeddings":false}""",
        ["qwen2"] =
            """{"model_type":"qwen2","hidden_size":16,"intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":50,"max_position_embeddings":32,"tie_word_embeddings":true}""",
        ["mistral"] =
            """{"model_type":"mistral","hidden_size":16,"intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":1,"head_dim":8,"vocab_size":50,"max_position_embeddings":32}""",
        ["bert"] =
            """{"model_type":"bert","hidden_size":16,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":32,"vocab_size":50,"max_position_embeddings":32,"type_vocab_size":2,"pad_token_id":0}""",
        ["gpt_neox"] =
            """{"model_type":"gpt_neox","hidden_size":16,"num_attention_heads":4,"num_hidden_layers":2,"intermediate_size":64,"vocab_size":50,"max_position_embeddings":32,"rotary_pct":0.5,"use_parallel_residual":true}""",
    };

    public static ModelConfig Config(string type)
    {
        using var doc = JsonDocument.Parse(ConfigJson[type]);
        return FamilyRegistry.ReadConfig(doc.RootElement, type + ".json").Config;
    }

    public static Dictionary<string, Tensor> RandomWeights(
        ModelConfig c,
        ScalarType dtype = ScalarType.Float32,
        int seed = 1
    )
    {
        using var g = new torch.Generator((ulong)seed);
        return ParameterLayout.For(c).ToDictionary(s => s.Name, s => torch.randn(s.Shape, generator: g).to_type(dtype));
    }

    public static void DisposeAll(IEnumerable<Tensor> ts)
    {
        foreach (var t in ts)
            t.Dispose();
    }

    /// <summary>Reads every tensor of a safetensors file into memory.</summary>
    public static List<(string name, Tensor t)> ReadAll(string path)
    {
        using var f = SafetensorsFile.Open(path);
        return f.Entries.Select(e => (e.Name, f.ReadTensor(e.Name))).ToList();
    }

    /// <summary>Rewrites model.safetensors of <paramref name="dir"/> through <paramref name="edit"/>.</summary>
    public static void Rewrite(string dir, Func<List<(string name, Tensor t)>, List<(string name, Tensor t)>> edit)
    {
        string p = Path.Combine(dir, "model.safetensors");
        var all = ReadAll(p);
        var edited = edit(all);
        SafetensorsWriter.Write(p, edited, new Dictionary<string, string> { ["format"] = "pt" });
        DisposeAll(all.Select(x => x.t));
        DisposeAll(edited.Select(x => x.t));
    }
}
