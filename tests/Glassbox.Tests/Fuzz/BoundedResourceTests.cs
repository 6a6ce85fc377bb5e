using System.Globalization;
using System.Text;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Tests.Loading;
using Xunit.Abstractions;

namespace Glassbox.Tests.Fuzz;

/// <summary>Issue 16, bounded resources on bad input: each hostile input ends in a clear error or a bounded run,
/// with the memory it costs measured (bytes allocated by this thread) and asserted against a bound.</summary>
[Collection(SerialCollection.Name)]
public class BoundedResourceTests(ITestOutputHelper output)
{
    private const long HundredMb = 100L * 1000 * 1000;

    private long Measure(string what, Action run)
    {
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        run();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {allocated / 1e6:F1} MB allocated"));
        return allocated;
    }

    private static string BigLineFile(TempDir dir, string name, string prefix)
    {
        string p = dir.File(name);
        using var w = new StreamWriter(p, false, new UTF8Encoding(false));
        w.Write(prefix);
        var chunk = new string('a', 1 << 20);
        for (long n = 0; n < HundredMb; n += chunk.Length)
            w.Write(chunk);
        w.Write("\n");
        return p;
    }

    [Fact]
    public void Should_read_a_100_mb_jsonl_line_into_a_clear_error_with_bounded_memory()
    {
        using var dir = new TempDir();
        var p = BigLineFile(dir, "big.jsonl", "{\"text\":\"");
        DataFormatException? ex = null;
        long bytes = Measure("100 MB JSONL line", () =>
            ex = Assert.Throws<DataFormatException>(() => LabeledSentenceReader.Read(p))
        );
        Assert.Contains("big.jsonl", ex!.Message);
        Assert.True(bytes < 8 * HundredMb, string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"));
    }

    [Fact]
    public void Should_read_a_100_mb_conllu_line_into_a_clear_error_with_bounded_memory()
    {
        using var dir = new TempDir();
        var p = BigLineFile(dir, "big.conllu", "1\t");
        DataFormatException? ex = null;
        long bytes = Measure("100 MB CoNLL-U line", () =>
            ex = Assert.Throws<DataFormatException>(() => ConllUReader.Read(p))
        );
        Assert.Contains("big.conllu", ex!.Message);
        // Measured about 940 MB (UTF-16 line, field split and message copies): bounded, not streamed.
        Assert.True(bytes < 12 * HundredMb, string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"));
    }

    [Fact]
    public void Should_read_a_conllu_sentence_of_100k_tokens_with_bounded_memory()
    {
        using var dir = new TempDir();
        string p = dir.File("long.conllu");
        using (var w = new StreamWriter(p))
        {
            w.Write("# sent_id = long\n");
            for (int i = 1; i <= 100_000; i++)
                w.Write(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{i}\tdog\tdog\tNOUN\tNN\t_\t{(i == 1 ? 0 : 1)}\t{(i == 1 ? "root" : "dep")}\t_\t_\n"
                    )
                );
            w.Write("\n");
        }
        IReadOnlyList<ConllSentence>? s = null;
        long bytes = Measure("CoNLL-U sentence of 100k tokens", () => s = ConllUReader.Read(p));
        Assert.Single(s!);
        Assert.True(bytes < 500_000_000, string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"));
    }

    [Fact]
    public void Should_refuse_deeply_nested_json_in_config_index_and_tokenizer_files()
    {
        using var dir = new TempDir();
        string deep = new string('[', 100_000) + new string(']', 100_000);
        File.WriteAllText(dir.File("config.json"), "{\"model_type\":\"gpt2\",\"x\":" + deep + "}");
        long bytes = Measure("config.json nested 100k deep", () =>
            Assert.Contains(
                "config.json",
                Assert.Throws<ConfigException>(() => HfCheckpoint.ReadConfig(dir.Path)).Message
            )
        );
        Assert.True(bytes < 50_000_000);
        File.WriteAllText(dir.File("tokenizer.json"), "{\"model\":" + deep + "}");
        Assert.Throws<ModelFormatException>(() => Glassbox.Tokenization.TokenizerJson.Load(dir.File("tokenizer.json")));
        File.WriteAllText(dir.File("pairs.jsonl"), "{\"sentence_good\":" + deep + "}\n");
        Assert.Throws<DataFormatException>(() => MinimalPairReader.ReadBlimp(dir.File("pairs.jsonl")));
    }

    [Fact]
    public void Should_refuse_a_config_with_two_billion_layers_before_enumerating_them()
    {
        using var dir = new TempDir();
        File.WriteAllText(
            dir.File("config.json"),
            CheckpointFixtures
                .ConfigJson["gpt2"]
                .Replace("\"n_layer\":2", "\"n_layer\":2147483647", StringComparison.Ordinal)
        );
        ConfigException? ex = null;
        long bytes = Measure("config with 2^31-1 layers", () =>
            ex = Assert.Throws<ConfigException>(() => HfCheckpoint.Load(dir.Path))
        );
        Assert.Contains("n_layer=2147483647", ex!.Message);
        Assert.True(bytes < 10_000_000);
    }
}
