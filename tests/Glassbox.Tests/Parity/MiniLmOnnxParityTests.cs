using System.Globalization;
using Glassbox.Loading;
using Glassbox.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Parity;

/// <summary>Our BERT with weights imported from the embedded ONNX file must reproduce ONNX Runtime's
/// last_hidden_state on the same file.</summary>
public sealed class MiniLmOnnxParityTests : IClassFixture<MiniLmOnnxParityTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        public HookedTransformer Model { get; } = ModelLoader.Load("minilm");
        public InferenceSession Ort { get; } =
            new(MiniLmImporter.ReadOnnxBytes(), new SessionOptions { IntraOpNumThreads = 2 });

        public void Dispose()
        {
            Model.Dispose();
            Ort.Dispose();
        }
    }

    public static readonly string[] Sentences =
    {
        "hello world",
        "The quick brown fox jumps over the lazy dog.",
        "A man is eating food.",
        "I can't believe it's not butter!",
        "Glassbox explains transformer language models globally.",
        "The keys to the cabinet are on the table.",
        "She said that the author of the books was happy.",
        "Numbers like 3.14159 and 2,718 appear in 1999's report.",
        "Café, naïve, résumé: accents are stripped by the uncased tokenizer.",
        "東京 is the capital of Japan.",
        "Why?",
        "   leading and trailing spaces   ",
        "An extremely long compound: antidisestablishmentarianism and pneumonoultramicroscopic words.",
        "e-mail addresses like someone@example.com and URLs http://example.org/x?y=1",
        "The committee, which had met twice, postponed its decision until next week.",
        "Dogs bark; cats meow; birds sing.",
        "He didn't go because he was tired, wasn't he?",
        "It was the best of times, it was the worst of times.",
        "Transformers use attention: softmax(QK^T / sqrt(d)) V.",
        "¡Hola! ¿Qué tal?",
        "Emoji 🙂 become unknown tokens.",
        "The cat sat on the mat while the dog slept by the fire, and nobody noticed the mouse.",
    };

    private readonly Fixture _f;

    public MiniLmOnnxParityTests(Fixture f) => _f = f;

    private float[] Reference(IReadOnlyList<IReadOnlyList<int>> seqs, out int len)
    {
        int b = seqs.Count;
        len = seqs.Max(s => s.Count);
        var ids = new long[b * len];
        var mask = new long[b * len];
        var types = new long[b * len];
        for (int i = 0; i < b; i++)
        for (int j = 0; j < seqs[i].Count; j++)
        {
            ids[i * len + j] = seqs[i][j];
            mask[i * len + j] = 1;
        }
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, new[] { b, len })),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, new[] { b, len })),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(types, new[] { b, len })),
        };
        var wanted = _f.Ort.InputMetadata.Keys.ToHashSet();
        using var results = _f.Ort.Run(inputs.Where(x => wanted.Contains(x.Name)).ToList());
        var first = results.First(r => r.Name == "last_hidden_state" || r.Name == _f.Ort.OutputMetadata.Keys.First());
        return first.AsTensor<float>().ToArray();
    }

    [Fact]
    public void Should_match_onnx_runtime_for_every_sentence_alone()
    {
        foreach (var s in Sentences)
        {
            var ids = _f.Model.Tokenizer!.Encode(s).Ids;
            var reference = Reference(new[] { ids }, out int len);
            using var batch = TokenBatch.Single(ids);
            using var ours = _f.Model.Forward(batch);
            using var refT = tensor(reference, new long[] { 1, len, 384 });
            float diff = TinyModels.MaxAbsDiff(ours, refT);
            Assert.True(diff <= 1e-4, string.Create(CultureInfo.InvariantCulture, $"'{s}': max abs diff {diff}"));
        }
    }

    [Fact]
    public void Should_match_onnx_runtime_as_one_padded_batch()
    {
        var seqs = Sentences.Select(s => (IReadOnlyList<int>)_f.Model.Tokenizer!.Encode(s).Ids).ToList();
        using var batch = TokenBatch.FromIds(seqs, padId: 0);
        using var ours = _f.Model.Forward(batch);
        for (int i = 0; i < seqs.Count; i++)
        {
            var reference = Reference(new[] { seqs[i] }, out int len);
            using var refT = tensor(reference, new long[] { len, 384 });
            float diff = TinyModels.MaxAbsDiff(ours[i, ..len], refT);
            Assert.True(
                diff <= 1e-4,
                string.Create(CultureInfo.InvariantCulture, $"sentence {i}: max abs diff {diff}")
            );
        }
    }
}
