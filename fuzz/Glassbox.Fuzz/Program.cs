// SharpFuzz entry point for AFL++: reads one input from AFL (a file's bytes), writes it to a temporary file and runs
// one reader on it. The only allowed outcomes are a result or a GlassboxException; anything else escapes and AFL
// records a crash. Usage (scripts/afl.sh): Glassbox.Fuzz TARGET, TARGET one of safetensors, conllu, tsv, jsonl, blimp,
// tokenizer, config (config.json of a checkpoint folder), llama2c (a llama2.c .bin), llama2c-tokenizer (tokenizer.bin),
// vocab (a GPT-2 vocab.json beside a fixed merges.txt), merges (a merges.txt beside a fixed vocab.json)
using Glassbox;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Tokenization;
using SharpFuzz;

string target = args.Length > 0 ? args[0] : "safetensors";
string work = Path.Combine(
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
        _ => "input." + target,
    }
);

// The fixed partner file of the BPE pair: a vocabulary of the letters h, e, l, o and their merges.
if (target == "vocab")
    File.WriteAllText(Path.Combine(work, "merges.txt"), "#version: 0.2\nh e\nl l\n");
if (target == "merges")
    File.WriteAllText(Path.Combine(work, "vocab.json"), "{\"h\":0,\"e\":1,\"l\":2,\"o\":3,\"he\":4,\"ll\":5}");
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
    _ => throw new ArgumentException(
        "target must be safetensors, conllu, tsv, jsonl, blimp, tokenizer, config, llama2c, llama2c-tokenizer, vocab or merges"
    ),
};
GlassboxRuntime.Initialize(1);
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
