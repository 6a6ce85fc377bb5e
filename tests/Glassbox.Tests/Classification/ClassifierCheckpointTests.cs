using System.Text.Json.Nodes;
using Glassbox.Classification;
using Glassbox.Loading;
using Glassbox.Tests.Loading;
using static TorchSharp.torch;

namespace Glassbox.Tests.Classification;

public sealed class ClassifierCheckpointTests
{
    private static readonly string[] Texts = ["the film was good .", "it was very bad and dull"];

    [Theory]
    [InlineData(ClassifierPooling.Cls)]
    [InlineData(ClassifierPooling.Mean)]
    public void Should_load_back_a_saved_classifier_with_identical_logits(ClassifierPooling pooling)
    {
        using var dir = new TempDir();
        var path = dir.File("clf");
        using var c = TinyClassifiers.Create(pooling, seed: 5, labels: ["neg", "neutral", "pos"]);
        ClassifierCheckpoint.Save(c, path);
        Assert.True(ClassifierCheckpoint.IsClassifierDirectory(path));
        using var back = ClassifierCheckpoint.Load(path);
        Assert.Equal(c.Labels, back.Labels);
        Assert.Equal(pooling, back.Pooling);
        using var b1 = c.Tokenize(Texts);
        using var b2 = back.Tokenize(Texts);
        Assert.True(b1.Ids.eq(b2.Ids).all().item<bool>());
        using var l1 = c.Logits(b1);
        using var l2 = back.Logits(b2);
        Assert.Equal(0f, TinyModels.MaxAbsDiff(l1, l2));
    }

    [Fact]
    public void Should_write_hugging_face_keys_and_config()
    {
        using var dir = new TempDir();
        var path = dir.File("clf");
        using var c = TinyClassifiers.Create(ClassifierPooling.Cls);
        ClassifierCheckpoint.Save(c, path);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(path, "config.json")))!;
        Assert.Equal("BertForSequenceClassification", config["architectures"]![0]!.GetValue<string>());
        Assert.Equal(2, config["num_labels"]!.GetValue<int>());
        Assert.Equal("positive", config["id2label"]!["1"]!.GetValue<string>());
        Assert.Equal(0, config["label2id"]!["negative"]!.GetValue<int>());
        Assert.Equal(16, config["hidden_size"]!.GetValue<int>());
        using var f = SafetensorsFile.Open(Path.Combine(path, "model.safetensors"));
        var keys = f.Entries.Select(e => e.Name).ToHashSet();
        foreach (
            var k in new[]
            {
                "bert.embeddings.word_embeddings.weight",
                "bert.encoder.layer.1.output.LayerNorm.bias",
                "bert.pooler.dense.weight",
                "bert.pooler.dense.bias",
                "classifier.weight",
                "classifier.bias",
            }
        )
            Assert.Contains(k, keys);
        Assert.True(File.Exists(Path.Combine(path, "vocab.txt")));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(dir.Path), p =>
            p.Contains(".tmp", StringComparison.Ordinal)
        );
    }

    [Fact]
    public void Should_load_the_encoder_of_a_classifier_directory_as_a_plain_model()
    {
        using var dir = new TempDir();
        var path = dir.File("clf");
        using var c = TinyClassifiers.Create(ClassifierPooling.Cls, seed: 2);
        ClassifierCheckpoint.Save(c, path);
        using var enc = ModelLoader.Load(path);
        Assert.Equal(c.Encoder.ParameterCount, enc.ParameterCount);
    }

    [Fact]
    public void Should_replace_an_existing_directory_whole()
    {
        using var dir = new TempDir();
        var path = dir.File("clf");
        using var a = TinyClassifiers.Create(ClassifierPooling.Cls, seed: 1);
        using var b = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 2);
        ClassifierCheckpoint.Save(a, path);
        ClassifierCheckpoint.Save(b, path);
        using var back = ClassifierCheckpoint.Load(path);
        Assert.Equal(ClassifierPooling.Mean, back.Pooling);
        Assert.Single(Directory.EnumerateDirectories(dir.Path));
    }

    [Fact]
    public void Should_name_a_missing_classifier_key()
    {
        using var dir = new TempDir();
        var path = SavedWithHead(dir, h => h.Remove("classifier.bias"));
        var ex = Assert.Throws<InputException>(() => ClassifierCheckpoint.Load(path));
        Assert.Contains("'classifier.bias'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_name_a_misshapen_classifier_key()
    {
        using var dir = new TempDir();
        var path = SavedWithHead(dir, h => h["classifier.weight"] = zeros(3, 16));
        var ex = Assert.Throws<InputException>(() => ClassifierCheckpoint.Load(path));
        Assert.Contains("'classifier.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 16]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_name_num_labels_that_disagree_with_id2label()
    {
        using var dir = new TempDir();
        var path = dir.File("clf");
        using (var c = TinyClassifiers.Create())
            ClassifierCheckpoint.Save(c, path);
        var cfg = Path.Combine(path, "config.json");
        var node = JsonNode.Parse(File.ReadAllText(cfg))!;
        node["num_labels"] = 3;
        File.WriteAllText(cfg, node.ToJsonString());
        var ex = Assert.Throws<InputException>(() => ClassifierCheckpoint.Load(path));
        Assert.Contains("'num_labels'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_a_plain_encoder_directory_is_not_a_classifier()
    {
        using var dir = new TempDir();
        using var m = TinyModels.Create("bert");
        HfExporter.Export(m.Config, m.Weights, dir.Path);
        Assert.False(ClassifierCheckpoint.IsClassifierDirectory(dir.Path));
        var ex = Assert.Throws<InputException>(() => ClassifierCheckpoint.Load(dir.Path));
        Assert.Contains("not a classifier directory", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Saves a tiny classifier, then rewrites model.safetensors with the head edited.</summary>
    private static string SavedWithHead(TempDir dir, Action<Dictionary<string, Tensor>> edit)
    {
        var path = dir.File("clf");
        using (var c = TinyClassifiers.Create())
            ClassifierCheckpoint.Save(c, path);
        var file = Path.Combine(path, "model.safetensors");
        var all = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var f = SafetensorsFile.Open(file))
            foreach (var e in f.Entries)
                all[e.Name] = f.ReadTensor(e.Name);
        edit(all);
        SafetensorsWriter.Write(file, all.Select(kv => (kv.Key, kv.Value)));
        foreach (var t in all.Values)
            t.Dispose();
        return path;
    }
}
