using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Tests.Loading;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Fuzz;

/// <summary>Regression tests for the three failures of the one-line rule that the 10^5-per-reader fuzz run found
/// (docs/reliability.md): input text with a line break was quoted into an error message. Fixed at the root:
/// <see cref="GlassboxException"/> escapes control characters, so every typed error stays on one line.</summary>
public sealed class OneLineMessageTests
{
    private static void OneLine(GlassboxException e, string file)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_escape_control_characters_and_line_separators()
    {
        Assert.Equal("a\\nb\\r\\tc\\u0001\\u2028d", GlassboxException.OneLine("a\nb\r\tc\u0001\u2028d"));
        Assert.Equal("plain text", GlassboxException.OneLine("plain text"));
        Assert.Equal("x\\ny", new InputException("x\ny").Message);
    }

    [Fact]
    public void Should_keep_a_sharded_index_error_on_one_line_when_a_shard_name_holds_a_newline()
    {
        using var dir = new TempDir();
        var config = CheckpointFixtures.Config("gpt2");
        var weights = CheckpointFixtures.RandomWeights(config);
        HfExporter.Export(config, weights, dir.Path);
        CheckpointFixtures.DisposeAll(weights.Values);
        File.Move(dir.File("model.safetensors"), dir.File("s1.safetensors"));
        File.WriteAllText(
            dir.File("model.safetensors.index.json"),
            "{\"weight_map\":{\"wte.weight\":\"s\\n1.safetensors\"}}"
        );
        var e = Assert.ThrowsAny<GlassboxException>(() => HfCheckpoint.Load(dir.Path));
        OneLine(e, "model.safetensors.index.json");
        Assert.Contains("s\\n1.safetensors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_a_vocab_json_error_on_one_line_when_a_key_holds_a_newline()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("vocab.json"), "{\"h\\ne\":\"not a number\"}");
        File.WriteAllText(dir.File("merges.txt"), "#version: 0.2\nh e\n");
        var e = Assert.ThrowsAny<GlassboxException>(() =>
            ByteLevelBpeTokenizer.FromFiles(dir.File("vocab.json"), dir.File("merges.txt"))
        );
        OneLine(e, "vocab.json");
    }

    [Fact]
    public void Should_keep_a_facts_error_on_one_line_when_a_template_holds_a_newline()
    {
        using var dir = new TempDir();
        File.WriteAllText(
            dir.File("facts.jsonl"),
            "{\"relation\":\"P1\",\"subject\":\"Paris\",\"object\":\"France\",\"template\":\"[X] is\\nin .\"}\n"
        );
        var e = Assert.ThrowsAny<GlassboxException>(() => LamaReader.ReadFacts(dir.File("facts.jsonl")));
        OneLine(e, "facts.jsonl");
    }
}
