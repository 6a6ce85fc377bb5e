using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Tests.Loading;
using Glassbox.Tests.Tokenization;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Fuzz;

/// <summary>
/// One fuzz run per reader (see <see cref="FuzzRunner"/>): seeded structure-aware mutations of valid files made here;
/// the reader must return or throw a <see cref="GlassboxException"/> naming the file. CI runs
/// <see cref="FuzzRunner.DefaultCases"/> cases per reader; scripts/fuzz.sh runs many more.
/// </summary>
public class ReaderFuzzTests
{
    private static void Pass(FuzzReport r) => Assert.True(r.Failures.Count == 0, r.Summary);

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Safetensors: the JSON header (length rewritten or not), the length field, or raw bytes.</summary>
    internal static byte[] MutateSafetensors(FuzzMutators m, byte[] file, Random rng)
    {
        int choice = rng.Next(4);
        if (choice >= 2 || file.Length < 8)
            return choice == 3 ? m.Bytes(file) : MutateLength(file, rng);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = m.Json(file[8..(int)(8 + n)]);
        var data = file[(int)(8 + n)..];
        var outBytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(outBytes, (ulong)header.Length);
        header.CopyTo(outBytes, 8);
        data.CopyTo(outBytes, 8 + header.Length);
        return choice == 0 ? outBytes : MutateLength(outBytes, rng);
    }

    private static byte[] MutateLength(byte[] file, Random rng)
    {
        var b = (byte[])file.Clone();
        if (b.Length < 8)
            return b;
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(b);
        long[] deltas = [-1, 1, -8, 8, -n, long.MaxValue - n, 100_000_000 - n];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)(n + deltas[rng.Next(deltas.Length)]));
        return b;
    }

    private static TempDir Checkpoint(string family)
    {
        var dir = new TempDir();
        var c = CheckpointFixtures.Config(family);
        var w = CheckpointFixtures.RandomWeights(c);
        HfExporter.Export(c, w, dir.Path);
        CheckpointFixtures.DisposeAll(w.Values);
        return dir;
    }

    [Fact]
    public void Should_survive_fuzzed_safetensors_checkpoints()
    {
        using var dir = Checkpoint("gpt2");
        var seed = File.ReadAllBytes(dir.File("model.safetensors"));
        var rng = new Random(1);
        Pass(
            FuzzRunner.Run(
                "safetensors",
                dir.Path,
                "model.safetensors",
                [seed],
                (m, s) => MutateSafetensors(m, s, rng),
                _ =>
                {
                    using var w = HfCheckpoint.Load(dir.Path);
                }
            )
        );
    }

    [Fact]
    public void Should_survive_a_fuzzed_sharded_index()
    {
        using var dir = Checkpoint("llama");
        var all = CheckpointFixtures.ReadAll(dir.File("model.safetensors"));
        File.Delete(dir.File("model.safetensors"));
        var a = all.Where((_, i) => i % 2 == 0).ToList();
        var b = all.Where((_, i) => i % 2 == 1).ToList();
        SafetensorsWriter.Write(dir.File("model-00001-of-00002.safetensors"), a);
        SafetensorsWriter.Write(dir.File("model-00002-of-00002.safetensors"), b);
        var map = a.Select(x => $"\"{x.name}\":\"model-00001-of-00002.safetensors\"")
            .Concat(b.Select(x => $"\"{x.name}\":\"model-00002-of-00002.safetensors\""));
        var index = Utf8("{\"metadata\":{\"total_size\":1},\"weight_map\":{" + string.Join(",", map) + "}}");
        CheckpointFixtures.DisposeAll(all.Select(x => x.t));
        Pass(
            FuzzRunner.Run(
                "sharded index",
                dir.Path,
                "model.safetensors.index.json",
                [index],
                (m, s) => m.Json(s),
                _ =>
                {
                    using var w = HfCheckpoint.Load(dir.Path);
                }
            )
        );
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("mistral")]
    [InlineData("bert")]
    [InlineData("gpt_neox")]
    public void Should_survive_fuzzed_config_json(string family)
    {
        using var dir = Checkpoint(family);
        var seed = File.ReadAllBytes(dir.File("config.json"));
        Pass(
            FuzzRunner.Run(
                "config.json " + family,
                dir.Path,
                "config.json",
                [seed, Utf8(CheckpointFixtures.ConfigJson[family])],
                (m, s) => m.Json(s),
                _ =>
                {
                    using var w = HfCheckpoint.Load(dir.Path);
                }
            )
        );
    }

    private static byte[] Llama2cModel()
    {
        int[] header = [8, 12, 2, 2, 1, 10, 6];
        const long floats = 80 + 16 + 128 + 64 + 64 + 128 + 16 + 192 + 192 + 192 + 8 + 24;
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        foreach (var h in header)
            w.Write(h);
        var rng = new Random(1);
        for (long i = 0; i < floats; i++)
            w.Write((float)(rng.NextDouble() - 0.5));
        w.Flush();
        return ms.ToArray();
    }

    [Fact]
    public void Should_survive_fuzzed_llama2c_checkpoints()
    {
        using var dir = new TempDir();
        Pass(
            FuzzRunner.Run(
                "llama2.c model",
                dir.Path,
                "model.bin",
                [Llama2cModel()],
                (m, s) => m.Bytes(s),
                p =>
                {
                    using var w = Llama2cCheckpoint.Load(p);
                }
            )
        );
    }

    private static byte[] Llama2cTokenizerFile()
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(5);
        string[] pieces = ["<unk>", "<s>", "</s>", "a", "b", "c", "ab", "bc", "abc", " "];
        for (int i = 0; i < pieces.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(pieces[i]);
            w.Write((float)-i);
            w.Write(bytes.Length);
            w.Write(bytes);
        }
        w.Flush();
        return ms.ToArray();
    }

    [Fact]
    public void Should_survive_fuzzed_llama2c_tokenizers()
    {
        using var dir = new TempDir();
        Pass(
            FuzzRunner.Run(
                "llama2.c tokenizer",
                dir.Path,
                "tokenizer.bin",
                [Llama2cTokenizerFile()],
                (m, s) => m.Bytes(s),
                p => EncodeAllowingTypedErrors(Llama2cTokenizer.FromFile(p, 10), "abc cab")
            )
        );
    }

    [Fact]
    public void Should_survive_fuzzed_wordpiece_vocabularies()
    {
        using var dir = new TempDir();
        var vocab = Utf8("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ndog\n##s\nsee\n.\n");
        Pass(
            FuzzRunner.Run(
                "vocab.txt",
                dir.Path,
                "vocab.txt",
                [vocab],
                (m, s) => m.Lines(s),
                p => EncodeAllowingTypedErrors(WordPieceTokenizer.FromFile(p), "the dogs see.")
            )
        );
    }

    [Fact]
    public void Should_survive_fuzzed_bpe_vocab_and_merges()
    {
        using var dir = new TempDir();
        TinyBpe.WriteFiles(dir.Path);
        var vocab = File.ReadAllBytes(dir.File("vocab.json"));
        var merges = File.ReadAllBytes(dir.File("merges.txt"));
        Pass(
            FuzzRunner.Run(
                "vocab.json",
                dir.Path,
                "vocab.json",
                [vocab],
                (m, s) => m.Json(s),
                p =>
                    EncodeAllowingTypedErrors(
                        ByteLevelBpeTokenizer.FromFiles(p, dir.File("merges.txt")),
                        "hello world!"
                    )
            )
        );
        File.WriteAllBytes(dir.File("vocab.json"), vocab);
        Pass(
            FuzzRunner.Run(
                "merges.txt",
                dir.Path,
                "merges.txt",
                [merges],
                (m, s) => m.Lines(s),
                p =>
                    EncodeAllowingTypedErrors(
                        ByteLevelBpeTokenizer.FromFiles(dir.File("vocab.json"), p),
                        "hello world!"
                    )
            )
        );
    }

    [Fact]
    public void Should_survive_fuzzed_tokenizer_json()
    {
        using var dir = new TempDir();
        var vocab = string.Join(
            ",",
            TinyBpe.Symbols.Select(
                (s, i) =>
                    JsonSerializer.Serialize(s) + ":" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)
            )
        );
        var merges = string.Join(",", TinyBpe.Merges.Select(m => JsonSerializer.Serialize(m.Item1 + " " + m.Item2)));
        var bpe = Utf8(
            "{\"added_tokens\":[{\"id\":18,\"content\":\"<|endoftext|>\"}],\"model\":{\"type\":\"BPE\",\"vocab\":{"
                + vocab
                + "},\"merges\":["
                + merges
                + "]}}"
        );
        var wordpiece = Utf8(
            "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[PAD]\":0,\"[UNK]\":1,\"[CLS]\":2,\"[SEP]\":3,\"the\":4,\"dog\":5,\"##s\":6}}}"
        );
        Pass(
            FuzzRunner.Run(
                "tokenizer.json",
                dir.Path,
                "tokenizer.json",
                [bpe, wordpiece],
                (m, s) => m.Json(s),
                p => EncodeAllowingTypedErrors(TokenizerJson.Load(p), "hello world the dogs")
            )
        );
    }

    [Fact]
    public void Should_survive_fuzzed_conllu()
    {
        using var dir = new TempDir();
        var text = Utf8(File.ReadAllText(ProbeSameFileTests.Treebank(dir.Path, 3)));
        Pass(
            FuzzRunner.Run("CoNLL-U", dir.Path, "fuzz.conllu", [text], (m, s) => m.Lines(s), p => ConllUReader.Read(p))
        );
    }

    [Fact]
    public void Should_survive_fuzzed_tsv_and_jsonl_data()
    {
        using var dir = new TempDir();
        var tsv = Utf8("sentence\tlabel\nthe dog runs .\t1\nthe dogs run .\t0\n");
        Pass(
            FuzzRunner.Run(
                "labelled TSV",
                dir.Path,
                "data.tsv",
                [tsv],
                (m, s) => m.Lines(s),
                p => LabeledSentenceReader.Read(p)
            )
        );
        var jsonl = Utf8(
            "{\"text\":\"the dog runs .\",\"label\":\"sing\"}\n{\"text\":\"the dogs run .\",\"label\":\"plur\"}\n"
        );
        Pass(
            FuzzRunner.Run(
                "labelled JSONL",
                dir.Path,
                "data.jsonl",
                [jsonl],
                (m, s) => rngPick(m, s),
                p => LabeledSentenceReader.Read(p)
            )
        );
        var blimp = Utf8(
            "{\"sentence_good\":\"Who should Derek hug?\",\"sentence_bad\":\"Who should Derek hug Richard?\",\"UID\":\"island\",\"linguistics_term\":\"island_effects\",\"pairID\":\"0\"}\n"
        );
        Pass(
            FuzzRunner.Run(
                "minimal pairs JSONL",
                dir.Path,
                "pairs.jsonl",
                [blimp],
                (m, s) => rngPick(m, s),
                p => MinimalPairReader.ReadBlimp(p)
            )
        );
        var facts = Utf8(
            "{\"relation\":\"P1\",\"subject\":\"Paris\",\"object\":\"France\",\"template\":\"[X] is in [Y] .\"}\n"
        );
        Pass(
            FuzzRunner.Run(
                "facts JSONL",
                dir.Path,
                "facts.jsonl",
                [facts],
                (m, s) => rngPick(m, s),
                p => LamaReader.ReadFacts(p)
            )
        );
        var patchPrompts = Utf8(
            "{\"clean\":\"Lily saw Tom. Tom gave it to\",\"corrupted\":\"Lily saw Tom. Lily gave it to\",\"answer\":\"Lily\",\"wrong\":\"Tom\"}\n"
        );
        Pass(
            FuzzRunner.Run(
                "patch prompts JSONL",
                dir.Path,
                "prompts.jsonl",
                [patchPrompts],
                (m, s) => rngPick(m, s),
                p => PatchPromptReader.Read(p)
            )
        );
    }

    /// <summary>Loading is the reader under test (its errors must name the file); encoding text with what was loaded may
    /// also refuse, e.g. a byte-level BPE vocabulary without a byte's symbol, but only with a typed error.</summary>
    private static void EncodeAllowingTypedErrors(ITokenizer tok, string text)
    {
        try
        {
            tok.Decode(tok.Encode(text).Ids);
        }
        catch (GlassboxException) { }
    }

    private static byte[] rngPick(FuzzMutators m, byte[] s) => s.Length % 2 == 0 ? m.Json(s) : m.Lines(m.Json(s));
}
