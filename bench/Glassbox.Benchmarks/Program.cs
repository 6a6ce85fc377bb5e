using BenchmarkDotNet.Running;

namespace Glassbox.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- --filter '*'      (BenchmarkDotNet suites)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- interleaved [rounds] [calls per visit] [threads]   (A/B medians, robust to a noisy host)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- probing [rounds] [threads]   (whole UPOS run, issue 3)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- gemm [threads]       (libtorch SGEMM GFLOP/s on MiniLM shapes)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- slices [calls]      (MKL on the batch-32 products whole and in 2, 4, 8 slices)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- patching [rounds] [threads] [pairs]   (activation/attribution patching)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- generation [rounds] [threads] [batch] [steps] [llama2.c run]   (KV cache, issue 14)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- explorer [rounds] [threads]   (explorer latency and first paint)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- blimp [rounds] [threads] [batch sizes] [pairs per phenomenon] [llama2.c run]   (BLiMP scoring vs llama2.c)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- upos-reference [rounds] [threads]   (UPOS run vs ORT + scikit-learn, issue 14 item 5)
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- profile [model] [batch] [rounds] [threads]   (per-stage time of a forward)
    public static void Main(string[] args)
    {
        var commands = new Dictionary<string, Action<string[]>>(StringComparer.Ordinal)
        {
            ["generation"] = GenerationBench.Run,
            ["explorer"] = ExplorerBench.Run,
            ["interleaved"] = Interleaved.Run,
            ["probing"] = ProbingBench.Run,
            ["blimp"] = BlimpBench.Run,
            ["profile"] = ProfileBench.Run,
            ["gemm"] = GemmBench.Run,
            ["slices"] = SliceBench.Run,
            ["patching"] = PatchingBench.Run,
            ["harvest"] = HarvestBench.Run,
            ["upos-reference"] = UposReferenceBench.Run,
        };
        if (args.Length > 0 && commands.TryGetValue(args[0], out var run))
        {
            run(args[1..]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
