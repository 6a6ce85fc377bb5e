using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Generation;

public sealed class GenerateCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gb-gen-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Should_print_the_same_tokens_with_and_without_the_kv_cache()
    {
        var m = TinyCliModel.Write(Path.Combine(_dir, "tiny"));
        string[] args = { "generate", "-m", m, "--token-ids", "1,5,9,13", "-n", "6", "--json" };
        var cached = CliHarness.Run(args);
        var plain = CliHarness.Run(args.Append("--no-cache").ToArray());
        Assert.Equal(0, cached.Code);
        Assert.Equal(0, plain.Code);
        string Ids(string json) =>
            System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("result").GetProperty("ids").GetRawText();
        Assert.Equal(Ids(plain.Out), Ids(cached.Out));
        Assert.Contains("--no-cache", CliHarness.Run("generate", "--help").Out, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }
}
