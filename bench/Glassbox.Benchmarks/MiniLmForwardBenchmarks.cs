using BenchmarkDotNet.Attributes;
using Glassbox.Loading;
using Glassbox.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;

namespace Glassbox.Benchmarks;

/// <summary>MiniLM forward throughput: Glassbox (TorchSharp) against ONNX Runtime on the same embedded ONNX file and
/// the same token ids, 2 threads each; and the cost of caching every hook.</summary>
[MemoryDiagnoser(false)]
public class MiniLmForwardBenchmarks
{
    private HookedTransformer _model = null!;
    private InferenceSession _ort = null!;
    private TokenBatch _batch = null!;
    private List<NamedOnnxValue> _ortInputs = null!;

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        GlassboxRuntime.Initialize(2);
        _model = ModelLoader.Load("minilm");
        var sentences = BenchData.Sentences(Batch);
        _batch = _model.Tokenize(sentences);
        var opts = new SessionOptions
        {
            IntraOpNumThreads = 2,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _ort = new InferenceSession(MiniLmImporter.ReadOnnxBytes(), opts);
        int b = _batch.BatchSize,
            p = _batch.Length;
        var ids = _batch.Ids.data<long>().ToArray();
        var mask = _batch.Mask.to(torch.ScalarType.Int64).data<long>().ToArray();
        var types = new long[b * p];
        _ortInputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, new[] { b, p })),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, new[] { b, p })),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(types, new[] { b, p })),
        };
    }

    [Benchmark(Baseline = true)]
    public float OnnxRuntime()
    {
        using var r = _ort.Run(_ortInputs);
        return r.First().AsTensor<float>()[0, 0, 0];
    }

    [Benchmark]
    public float Glassbox()
    {
        using var y = _model.Forward(_batch);
        return y[0, 0, 0].item<float>();
    }

    [Benchmark]
    public float GlassboxCacheEverything()
    {
        using var run = _model.RunWithCache(_batch);
        return run.Output[0, 0, 0].item<float>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ort.Dispose();
        _batch.Dispose();
        _model.Dispose();
    }
}

internal static class BenchData
{
    private static readonly string[] Subjects =
    {
        "The old man",
        "A young engineer",
        "My sister",
        "The committee",
        "Every student",
        "The small dog",
        "Our neighbours",
        "The new manager",
    };
    private static readonly string[] Verbs =
    {
        "quietly finished",
        "refused to discuss",
        "was surprised by",
        "wrote a long letter about",
        "could not explain",
        "happily accepted",
    };
    private static readonly string[] Objects =
    {
        "the strange results of the experiment",
        "the proposal",
        "what happened at the station yesterday",
        "the price of the house near the river",
        "her decision",
        "the rules of the game",
    };

    /// <summary>Deterministic varied sentences of 8-20 tokens.</summary>
    public static string[] Sentences(int n) =>
        Enumerable
            .Range(0, n)
            .Select(i =>
                $"{Subjects[i % Subjects.Length]} {Verbs[(i * 5) % Verbs.Length]} {Objects[(i * 7) % Objects.Length]}."
            )
            .ToArray();
}
