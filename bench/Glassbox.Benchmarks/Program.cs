using BenchmarkDotNet.Running;

namespace Glassbox.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/Glassbox.Benchmarks -- --filter '*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
