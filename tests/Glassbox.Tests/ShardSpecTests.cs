namespace Glassbox.Tests;

/// <summary>Worker shares written K/N or read from a Kubernetes Indexed Job or a Slurm job array.</summary>
public sealed class ShardSpecTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

    [Fact]
    public void Should_split_items_deterministically_and_completely()
    {
        var workers = Enumerable
            .Range(0, 3)
            .Select(k =>
                ShardSpec.Parse(
                    k.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/3",
                    environment: Env()
                )
            )
            .ToList();
        for (long item = 0; item < 100; item++)
            Assert.Equal(1, workers.Count(w => w.Owns(item)));
        Assert.True(workers[2].Owns(5));
        Assert.Equal("2/3", workers[2].ToString());
        Assert.True(ShardSpec.Single.Owns(41));
    }

    [Fact]
    public void Should_read_the_index_from_a_kubernetes_indexed_job_or_a_slurm_array()
    {
        Assert.Equal(new ShardSpec(3, 8), ShardSpec.Parse("auto/8", environment: Env(("JOB_COMPLETION_INDEX", "3"))));
        var slurm = Env(("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "6"));
        Assert.Equal(new ShardSpec(4, 6), ShardSpec.Parse("auto/auto", environment: slurm));
        Assert.Equal(
            new ShardSpec(1, 4),
            ShardSpec.Parse("auto/auto", environment: Env(("JOB_COMPLETION_INDEX", "1"), ("GLASSBOX_SHARD_COUNT", "4")))
        );
    }

    [Theory]
    [InlineData("3", "is not K/N")]
    [InlineData("1/2/3", "is not K/N")]
    [InlineData("x/4", "has K = 'x', not a whole number")]
    [InlineData("4/4", "has K = 4, outside 0..3")]
    [InlineData("-1/4", "has K = -1, outside 0..3")]
    [InlineData("0/0", "has N = 0 workers")]
    [InlineData("auto/4", "K = auto needs JOB_COMPLETION_INDEX")]
    [InlineData("0/auto", "N = auto needs SLURM_ARRAY_TASK_COUNT")]
    public void Should_refuse_a_bad_share_with_one_line_naming_the_option(string text, string message)
    {
        var e = Assert.Throws<InputException>(() => ShardSpec.Parse(text, environment: Env()));
        Assert.StartsWith("--shard: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_scheduler_variable_that_is_not_a_number()
    {
        var e = Assert.Throws<InputException>(() =>
            ShardSpec.Parse("auto/2", environment: Env(("JOB_COMPLETION_INDEX", "one")))
        );
        Assert.Contains("JOB_COMPLETION_INDEX = 'one' is not a whole number", e.Message, StringComparison.Ordinal);
    }
}
