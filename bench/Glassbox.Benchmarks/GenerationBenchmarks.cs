using BenchmarkDotNet.Attributes;
using Glassbox.Loading;
using Glassbox.Models;

namespace Glassbox.Benchmarks;

/// <summary>stories260K greedy generation (needs ../shared/data); reports time per 60 tokens, with and without the KV
/// cache. The side-by-side comparison with llama2.c is the <c>generation</c> mode of Program (GenerationBench).</summary>
public class GenerationBenchmarks
{
    private HookedTransformer? _model;
    private IReadOnlyList<int> _prompt = Array.Empty<int>();

    /// <summary>Whether generation uses the KV cache.</summary>
    [Params(true, false)]
    public bool UseCache { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        GlassboxRuntime.Initialize(2);
        _model = ModelLoader.Load("stories260k");
        _prompt = _model.Tokenizer!.Encode("Once upon a time").Ids;
    }

    [Benchmark]
    public int Greedy60Tokens() =>
        TextGenerator
            .Generate(
                _model!,
                _prompt,
                new GenerationOptions
                {
                    MaxNewTokens = 60 - _prompt.Count,
                    StopToken = -1,
                    UseCache = UseCache,
                }
            )
            .Count;

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();
}
