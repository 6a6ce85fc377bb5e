using System.Globalization;
using System.Text.RegularExpressions;
using Glassbox.Neurons.Store;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>A harvest killed mid-way (the CLI in a child process, killed with SIGKILL after some shards are
/// committed) resumes at its first unfinished shard and ends with exactly the rows of an uninterrupted run.</summary>
[Collection("console")]
public sealed partial class StoreKillTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-store-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [GeneratedRegex(@"(\d+)/(\d+) shards")]
    private static partial Regex ShardLine();

    private string[] Args(string model, string corpus, string store) =>
        StoreTestData.HarvestArgs(
            model,
            corpus,
            store,
            "--shard-docs",
            "2",
            "--batch",
            "1",
            "--top-k",
            "3",
            "--threads",
            "1",
            "--json"
        );

    [Fact]
    public void Should_resume_a_killed_harvest_and_equal_an_uninterrupted_run_row_for_row()
    {
        var model = StoreTestData.ModelDir(Path.Combine(_dir, "tiny"));
        string killed = Path.Combine(_dir, "killed.duckdb"),
            full = Path.Combine(_dir, "full.duckdb");
        string? corpus = null;
        (int Done, int Total) at = (0, 0);
        for (int docs = 300; docs <= 4800 && at.Done == 0; docs *= 4) // more documents if the child was too quick
        {
            corpus = StoreTestData.Corpus(
                _dir,
                StoreTestData.Documents(docs, 7),
                string.Create(CultureInfo.InvariantCulture, $"c{docs}.txt")
            );
            if (File.Exists(killed))
                File.Delete(killed);
            at = KillAfterShards(Args(model, corpus, killed), 3);
        }
        Assert.True(
            at.Done >= 3 && at.Done < at.Total,
            string.Create(CultureInfo.InvariantCulture, $"killed at {at.Done}/{at.Total} shards")
        );

        var (code, output, err) = CliHarness.Run(Args(model, corpus!, killed));
        Assert.True(code == 0, err);
        Assert.Contains(
            string.Create(CultureInfo.InvariantCulture, $"\"shardsResumed\": {at.Done}"),
            output,
            StringComparison.Ordinal
        );
        (code, _, err) = CliHarness.Run(Args(model, corpus!, full));
        Assert.True(code == 0, err);
        StoreAssert.SameRows(full, killed);
    }

    /// <summary>Runs the CLI in a child process and kills it once its progress shows <paramref name="shards"/>
    /// committed shards; returns the store's committed and total shards (0 done if the child finished first).</summary>
    private static (int Done, int Total) KillAfterShards(string[] args, int shards)
    {
        using var child = CliProcess.Start(args);
        child.OutputDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        string? line;
        bool killed = false;
        while ((line = child.StandardError.ReadLine()) is not null)
            if (
                ShardLine().Match(line) is { Success: true } m
                && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= shards
            )
            {
                child.Kill(entireProcessTree: true);
                killed = true;
                break;
            }
        child.WaitForExit();
        string store = args[Array.IndexOf(args, "--store") + 1];
        if (!killed)
            return (0, 0);
        using var s = ActivationStore.OpenUnsealed(store); // a killed harvest leaves the store unsealed
        return s.Shards;
    }
}
