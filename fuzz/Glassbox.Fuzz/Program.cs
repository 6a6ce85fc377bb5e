// SharpFuzz entry point for AFL++: reads one input from AFL (a file's bytes), writes it to a temporary file and runs
// one reader on it. The only allowed outcomes are a result or a GlassboxException; anything else escapes and AFL
// records a crash. Usage (scripts/afl.sh): Glassbox.Fuzz TARGET, TARGET one of safetensors, conllu, tsv, jsonl, blimp,
// tokenizer, config (config.json of a checkpoint folder), llama2c (a llama2.c .bin), llama2c-tokenizer (tokenizer.bin),
// vocab (a GPT-2 vocab.json beside a fixed merges.txt), merges (a merges.txt beside a fixed vocab.json), index (a
// model.safetensors.index.json beside a fixed tiny Llama config and two shards), sae-config (a SAELens cfg.json beside
// fixed weights). `Glassbox.Fuzz TARGET --seed FILE` writes a valid input for the targets whose seed depends on the
// fixed files (index, sae-config) and exits.
using Glassbox;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Neurons.Sae;
using Glassbox.Tokenization;
using SharpFuzz;

string target = args.Length > 0 ? args[0] : "safetensors";

// GLASSBOX_FUZZ_WORK: the folder of the fixed partner files, made by a --seed run of the uninstrumented build (code
// instrumented by SharpFuzz may only run inside the fuzzing loop).
string work = Environment.GetEnvironmentVariable("GLASSBOX_FUZZ_WORK")
    ?? Path.Combine(
        Path.GetTempPath(),
        "glassbox-afl-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)
    );
Directory.CreateDirectory(work);
string path = Path.Combine(
    work,
    target switch
    {
        "config" => "config.json",
        "vocab" => "vocab.json",
        "merges" => "merges.txt",
        "blimp" => "input.jsonl",
        "index" => "model.safetensors.index.json",
        "sae-config" => "cfg.json",
        _ => "input." + target,
    }
);

// The fixed partner file of the BPE pair: a vocabulary of the letters h, e, l, o and their merges.
if (target == "vocab")
    File.WriteAllText(Path.Combine(work, "merges.txt"), "#version: 0.2\nh e\nl l\n");
if (target == "merges")
    File.WriteAllText(Path.Combine(work, "vocab.json"), "{\"h\":0,\"e\":1,\"l\":2,\"o\":3,\"he\":4,\"ll\":5}");
GlassboxRuntime.Initialize(1);
Action<string> reader = target switch
{
    "safetensors" => p =>
    {
        using var f = SafetensorsFile.Open(p);
        foreach (var e in f.Entries)
            f.ReadTensor(e.Name).Dispose();
    },
    "conllu" => p => ConllUReader.Read(p),
    "tsv" or "jsonl" => p => LabeledSentenceReader.Read(p),
    "blimp" => p => MinimalPairReader.ReadBlimp(p),
    "tokenizer" => p =>
    {
        var t = TokenizerJson.Load(p);
        t.Encode("hello world the dogs", true);
    },
    "config" => p => HfCheckpoint.ReadConfig(work),
    "llama2c" => p => Llama2cCheckpoint.Load(p).Dispose(),
    "llama2c-tokenizer" => p => Llama2cTokenizer.FromFile(p).Encode("hello world", true),
    "vocab" or "merges" => p =>
        ByteLevelBpeTokenizer
            .FromFiles(Path.Combine(work, "vocab.json"), Path.Combine(work, "merges.txt"))
            .Encode("hello hell", false),
    "index" => p => HfCheckpoint.Load(work).Dispose(),
    "sae-config" => p =>
    {
        using var sae = SparseAutoencoder.Load(work);
        using var x = TorchSharp.torch.ones(2, sae.Config.DIn);
        sae.Encode(x).Dispose();
    },
    _ => throw new ArgumentException(
        "target must be safetensors, conllu, tsv, jsonl, blimp, tokenizer, config, llama2c, llama2c-tokenizer, vocab, merges, index or sae-config"
    ),
};
if (args.Length > 2 && args[1] == "--seed")
{
    // The fixed partner files of the checkpoint targets and their valid input (the AFL seed), which must be accepted
    // (a refused seed would leave only rejection paths under test): read it unguarded.
    string seed = target switch
    {
        "index" => IndexFolder(work),
        "sae-config" => SaeFolder(work),
        _ => throw new ArgumentException(target + " has no generated seed"),
    };
    File.WriteAllText(args[2], seed);
    File.Copy(args[2], path, overwrite: true);
    reader(path);
    return;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using (var file = File.Create(path))
        stream.CopyTo(file);
    try
    {
        reader(path);
    }
    catch (GlassboxException) { }
});

// A tiny Llama (config.json) whose tensors are split over two shards; returns the index that names them.
static string IndexFolder(string dir)
{
    File.WriteAllText(
        Path.Combine(dir, "config.json"),
        "{\"model_type\":\"llama\",\"hidden_size\":8,\"intermediate_size\":12,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"num_key_value_heads\":1,\"vocab_size\":10,\"max_position_embeddings\":8,\"tie_word_embeddings\":false}"
    );
    var (_, config) = HfCheckpoint.ReadConfig(dir);
    var weights = ParameterLayout.For(config).ToDictionary(p => p.Name, p => TorchSharp.torch.full(p.Shape, 0.5f));
    string whole = Path.Combine(dir, "whole");
    HfExporter.Export(config, weights, whole);
    using var f = SafetensorsFile.Open(Path.Combine(whole, "model.safetensors"));
    var all = f.Entries.Select(e => (name: e.Name, t: f.ReadTensor(e.Name))).ToList();
    string[] shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
    for (int k = 0; k < 2; k++)
        SafetensorsWriter.Write(Path.Combine(dir, shards[k]), all.Where((_, i) => i % 2 == k));
    return "{\"metadata\":{\"total_size\":1},\"weight_map\":{"
        + string.Join(",", all.Select((x, i) => $"\"{x.name}\":\"{shards[i % 2]}\""))
        + "}}";
}

// A tiny SAE's weights; returns its cfg.json.
static string SaeFolder(string dir)
{
    using var sae = SparseAutoencoder.Create(new SaeConfig(6, 12, "blocks.1.mlp.hook_post", 1, "tiny-gpt2", Seed: 3));
    sae.Save(dir);
    return File.ReadAllText(Path.Combine(dir, "cfg.json"));
}
