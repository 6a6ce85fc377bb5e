// SharpFuzz entry point for AFL++: reads one input from AFL (a file's bytes), writes it to a temporary file and runs
// one reader on it. The only allowed outcomes are a result or a GlassboxException; anything else escapes and AFL
// records a crash. Usage (scripts/afl.sh): Glassbox.Fuzz safetensors|conllu|tsv|jsonl|blimp|tokenizer
using Glassbox;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Tokenization;
using SharpFuzz;

string target = args.Length > 0 ? args[0] : "safetensors";
string path = Path.Combine(
    Path.GetTempPath(),
    "glassbox-afl-"
        + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + "."
        + (target == "blimp" ? "jsonl" : target)
);
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
    _ => throw new ArgumentException("target must be safetensors, conllu, tsv, jsonl, blimp or tokenizer"),
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
