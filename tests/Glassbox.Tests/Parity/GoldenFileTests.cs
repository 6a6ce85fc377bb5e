using System.Globalization;
using System.Text.Json;
using Glassbox.Loading;
using Glassbox.Models;
using Xunit.Abstractions;

namespace Glassbox.Tests.Parity;

/// <summary>
/// Parity with an independent reference: tests/golden/make_golden.py is a standard-library-only Python forward pass
/// written from Hugging Face transformers' modeling code (GPT2LMHeadModel, GPTNeoXForCausalLM, LlamaForCausalLM,
/// Qwen2ForCausalLM, BertModel). For each case it wrote a HF-style checkpoint folder (config.json, model.safetensors
/// with HF key names) and golden.json with the inputs and the reference output. Here each folder goes through the
/// real loading path (<see cref="ModelLoader.Load"/>) and the forward must match to 1e-4.
/// </summary>
public class GoldenFileTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    /// <summary>The golden cases (folder names under tests/golden).</summary>
    public static TheoryData<string> Cases => new() { "gpt2", "gpt_neox", "llama", "qwen2", "bert" };

    private static string CaseDir(string name) => Path.Combine(AppContext.BaseDirectory, "golden", name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_match_the_independent_reference_forward(string name)
    {
        string dir = CaseDir(name);
        Assert.True(
            File.Exists(Path.Combine(dir, "model.safetensors")),
            $"{dir}: golden files were not copied to the test output"
        );
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "golden.json")));
        var root = doc.RootElement;
        var ids = Ints2(root.GetProperty("input_ids"));
        var mask = root.TryGetProperty("attention_mask", out var m) ? Ints2(m) : null;
        var types = root.TryGetProperty("token_type_ids", out var tt) ? Ints2(tt) : null;
        bool encoder = root.TryGetProperty("last_hidden_state", out var expectedJson);
        if (!encoder)
            expectedJson = root.GetProperty("logits");

        // Right padding: the real tokens of each sequence are its mask's leading ones.
        var seqs = ids.Select(
                (row, b) =>
                    (IReadOnlyList<int>)row.Take(mask is null ? row.Length : mask[b].Count(x => x == 1)).ToArray()
            )
            .ToList();
        var seqTypes = types?.Select((row, b) => (IReadOnlyList<int>)row.Take(seqs[b].Count).ToArray()).ToList();
        if (mask is not null)
            for (int b = 0; b < ids.Length; b++)
                Assert.True(
                    mask[b].Take(seqs[b].Count).All(x => x == 1) && mask[b].Skip(seqs[b].Count).All(x => x == 0),
                    string.Create(CultureInfo.InvariantCulture, $"sequence {b}: mask must be right padding")
                );

        using var model = ModelLoader.Load(dir);
        Assert.Null(model.Tokenizer);
        using var batch = TokenBatch.FromIds(seqs, padId: 0, side: PaddingSide.Right, tokenTypes: seqTypes);
        using var actual = model.Forward(batch);
        int width = encoder ? model.Config.DModel : model.Config.DVocab;
        Assert.Equal(new long[] { ids.Length, ids[0].Length, width }, actual.shape);
        var got = actual.contiguous().data<float>().ToArray();

        double maxDiff = 0;
        int compared = 0;
        for (int b = 0; b < ids.Length; b++)
        {
            var rows = expectedJson[b];
            for (int p = 0; p < seqs[b].Count; p++) // only unpadded positions
            {
                var row = rows[p];
                Assert.Equal(width, row.GetArrayLength());
                for (int j = 0; j < width; j++)
                {
                    double diff = Math.Abs(got[(b * ids[0].Length + p) * width + j] - row[j].GetDouble());
                    if (!(diff <= maxDiff))
                        maxDiff = double.IsNaN(diff) ? double.PositiveInfinity : diff;
                    compared++;
                }
            }
        }
        output.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: {compared} values compared, max |diff| = {maxDiff:E3}"
            )
        );
        Assert.True(
            maxDiff <= Tolerance,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: max |diff| {maxDiff:E3} against the reference exceeds {Tolerance:E0}"
            )
        );
    }

    private static int[][] Ints2(JsonElement e) =>
        e.EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray();
}
