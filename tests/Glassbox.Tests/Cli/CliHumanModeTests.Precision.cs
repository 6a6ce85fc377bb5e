namespace Glassbox.Tests.Cli;

public sealed partial class CliHumanModeTests
{
    /// <summary>Issue 14, item 8: every command that loads a model with -m takes --dtype; in bfloat16 each one runs to
    /// the end in human mode (values it reads from the model come back as float32 where it needs numbers).</summary>
    [Fact]
    public void Should_run_every_model_command_in_bfloat16_in_human_mode()
    {
        var runs = HumanRuns()
            .Where(a => a.Contains("-m", StringComparer.Ordinal))
            .Select(a => a.Concat(new[] { "--dtype", "bfloat16" }).ToArray())
            .ToList();
        Assert.True(runs.Count >= 20, "the human-mode runs lost their -m commands");
        var failures = RunAll(runs);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("--dtype", "int8", "--dtype: 'int8' is not a dtype")]
    [InlineData("--device", "tpu", "--device: 'tpu' is not a device")]
    [InlineData("--device", "cuda:1", "--device cuda:1: CUDA is not available")]
    public void Should_refuse_a_bad_dtype_or_device_in_one_line(string option, string value, string message)
    {
        var (code, o, e) = CliHarness.Run("run", "--text", "a dog", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, e, StringComparison.Ordinal);
        Assert.Single(e.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", o + e, StringComparison.Ordinal);
    }
}
