using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tests.Loading;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>Layer streaming (<c>--stream-layers</c>): a model that reads each block's weights from its safetensors
/// folder during the forward gives exactly the resident model's outputs and activations, for every family, with
/// padding, a sliding window and a KV cache; what it cannot do is a one-line error.</summary>
[Collection("console")]
public sealed class LayerStreamingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-stream-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Export(string family, Action<Dictionary<string, Tensor>>? edit = null)
    {
        string json =
            family == "mistral-window"
                ? CheckpointFixtures.ConfigJson["mistral"].TrimEnd('}') + ",\"sliding_window\":4}"
                : CheckpointFixtures.ConfigJson[family];
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var c = Glassbox.Models.Families.FamilyRegistry.ReadConfig(doc.RootElement, family + ".json").Config;
        var w = CheckpointFixtures.RandomWeights(c, seed: 7);
        edit?.Invoke(w);
        string dir = Path.Combine(_dir, family);
        HfExporter.Export(c, w, dir);
        CheckpointFixtures.DisposeAll(w.Values);
        return dir;
    }

    private static TokenBatch Batch(int vocab, PaddingSide side = PaddingSide.Right)
    {
        var rng = new Random(5);
        var rows = new[] { 9, 3, 12 }
            .Select(n => (IReadOnlyList<int>)Enumerable.Range(0, n).Select(_ => rng.Next(1, vocab)).ToArray())
            .ToList();
        return TokenBatch.FromIds(rows, 0, side);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("mistral-window")]
    [InlineData("bert")]
    [InlineData("gpt_neox")]
    public void Should_give_the_resident_models_output_and_every_activation_exactly(string family)
    {
        string dir = Export(family);
        using var resident = ModelLoader.Load(dir);
        using var streamed = ModelLoader.Load(dir, streamLayers: true);
        Assert.True(streamed.StreamsLayers);
        Assert.False(resident.StreamsLayers);
        Assert.Equal(resident.ParameterCount, streamed.ParameterCount);
        using var scope = NewDisposeScope();
        using var batch = Batch(resident.Config.DVocab);
        // A streaming model always runs through libtorch, so the exact reference is the resident model's libtorch path
        // (the managed encoder a resident BERT takes agrees with it within float rounding: ManagedEncoderTests).
        using var a = resident.RunWithCache(batch, options: new RunOptions { ManagedEncoder = false });
        using var b = streamed.RunWithCache(batch);
        Assert.Equal(0f, TinyModels.MaxAbsDiff(a.Output, b.Output));
        Assert.Equal(a.Cache.Names.Order(StringComparer.Ordinal), b.Cache.Names.Order(StringComparer.Ordinal));
        foreach (var key in a.Cache.Names)
            Assert.True(
                TinyModels.MaxAbsDiff(a.Cache[key], b.Cache[key]) == 0,
                string.Create(CultureInfo.InvariantCulture, $"{family} {key}")
            );
    }

    [Fact]
    public void Should_decode_with_a_kv_cache_exactly_like_the_resident_model()
    {
        string dir = Export("llama");
        using var resident = ModelLoader.Load(dir);
        using var streamed = ModelLoader.Load(dir, streamLayers: true);
        using var scope = NewDisposeScope();
        Tensor Decode(HookedTransformer m)
        {
            using var kv = m.NewCache(3, 16);
            using var prompt = Batch(m.Config.DVocab, PaddingSide.Left);
            using var first = m.RunCached(prompt, kv);
            using var next = TokenBatch.FromIds(new IReadOnlyList<int>[] { [4], [5], [6] }, 0, PaddingSide.Right);
            using var second = m.RunCached(next, kv);
            return second.Output.clone().DetachFromDisposeScope();
        }
        using var x = Decode(resident);
        using var y = Decode(streamed);
        Assert.Equal(0f, TinyModels.MaxAbsDiff(x, y));
    }

    [Fact]
    public void Should_refuse_what_a_streaming_model_cannot_do_with_one_line_naming_the_option()
    {
        string dir = Export("gpt2");
        using var streamed = ModelLoader.Load(dir, streamLayers: true);
        Assert.Equal(streamed.Config.DVocab, streamed.Weights["embed.W_E"].shape[0]); // resident weights are there
        var e = Assert.Throws<InputException>(() => streamed.Weights["blocks.1.attn.W_Q"]);
        Assert.Contains("--stream-layers", e.Message, StringComparison.Ordinal);
        Assert.Throws<InputException>(() => streamed.TrainableLeaves());
        // An optional block weight asked for is an error, not "absent" (the residual decomposition would drop b_O).
        Assert.Throws<InputException>(() => streamed.Weights.TryGetValue("blocks.0.attn.b_O", out _));
        Assert.Throws<InputException>(() => streamed.Weights.ContainsKey("blocks.1.ln1.b"));
        Assert.False(streamed.Weights.ContainsKey("no.such.weight"));
        using (var resident = ModelLoader.Load(dir))
        {
            Assert.Equal(ModelInfo.Of(resident).ParameterCounts, ModelInfo.Of(streamed).ParameterCounts);
            Assert.NotEqual(
                Glassbox.Neurons.Store.StoreSchema.WeightsHash(resident),
                Glassbox.Neurons.Store.StoreSchema.WeightsHash(streamed)
            );
        }
        e = Assert.Throws<InputException>(() => ModelLoader.Load("minilm", streamLayers: true));
        Assert.StartsWith("--stream-layers: 'minilm'", e.Message, StringComparison.Ordinal);
        var (code, _, err) = CliHarness.Run("run", "-m", "minilm", "--stream-layers", "-t", "hi");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_name_a_non_finite_tensor_when_the_forward_reads_its_block()
    {
        string dir = Export("llama", w => w["blocks.1.mlp.W_out"][0, 0] = float.NaN);
        Assert.Throws<ModelFormatException>(() => ModelLoader.Load(dir)); // a whole load reads and checks it at once
        using var streamed = ModelLoader.Load(dir, streamLayers: true); // streaming reads block 1 at the forward
        using var scope = NewDisposeScope();
        using var batch = Batch(streamed.Config.DVocab);
        var e = Assert.Throws<ModelFormatException>(() => streamed.Forward(batch));
        Assert.Contains("mlp.down_proj", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_run_a_command_with_stream_layers_in_human_mode_and_json_like_the_resident_model()
    {
        string dir = Glassbox.Tests.Cli.TinyCliModel.Write(Path.Combine(_dir, "tiny"));
        var (code, human, err) = CliHarness.Run(
            "run",
            "-m",
            dir,
            "--stream-layers",
            "-t",
            "lily went home",
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        Assert.Contains("home", human, StringComparison.Ordinal);
        var (c1, streamed, e1) = CliHarness.Run(
            "run",
            "-m",
            dir,
            "--stream-layers",
            "-t",
            "lily went home",
            "--json",
            "--threads",
            "1"
        );
        var (c2, resident, e2) = CliHarness.Run("run", "-m", dir, "-t", "lily went home", "--json", "--threads", "1");
        Assert.True(c1 == 0 && c2 == 0, e1 + e2);
        Assert.Equal(CliHarness.Result(resident), CliHarness.Result(streamed));
        // Generation (the managed decoder copies every weight, so a streaming model decodes through the KV cache).
        string[] Generate(bool stream) =>
            new[]
            {
                "generate",
                "-m",
                dir,
                "--prompt",
                "lily went",
                "--max-new-tokens",
                "4",
                "--json",
                "--threads",
                "1",
            }
                .Concat(stream ? ["--stream-layers"] : Array.Empty<string>())
                .ToArray();
        var (g1, genStreamed, ge1) = CliHarness.Run(Generate(true));
        var (g2, genResident, ge2) = CliHarness.Run(Generate(false));
        Assert.True(g1 == 0 && g2 == 0, ge1 + ge2);
        Assert.Equal(CliHarness.Result(genResident), CliHarness.Result(genStreamed));
    }
}
