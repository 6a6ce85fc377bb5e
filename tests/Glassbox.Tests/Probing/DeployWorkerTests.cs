using System.Globalization;
using Glassbox.Tests.Architecture;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Probing;

/// <summary>deploy/slurm/worker.sbatch (any sharded command as a Slurm array) run under bash as array tasks 2-4 on
/// minimal pairs, then the merge: the single run's result.</summary>
[Collection("console")]
public sealed class DeployWorkerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-deploy-worker-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_give_the_single_run_result_from_the_generic_slurm_worker_script()
    {
        string tiny = TinyCliModel.Write(Path.Combine(_dir, "tiny")),
            file = Path.Combine(_dir, "pairs.jsonl"),
            parts = Path.Combine(_dir, "parts");
        File.WriteAllLines(
            file,
            Enumerable
                .Range(0, 7)
                .Select(i =>
                    i % 2 == 0
                        ? "{\"good\": \"lily is happy.\", \"bad\": \"lily are happy.\", \"phenomenon\": \"agreement\"}"
                        : "{\"good\": \"tom went home.\", \"bad\": \"tom home went.\", \"phenomenon\": \"order\"}"
                )
        );
        string command = $"probe minimal-pairs -m {tiny} --pairs {file} --batch-size 1 --shard-pairs 2 --json";
        var env = new Dictionary<string, string>
        {
            ["GLASSBOX"] = CliProcess.CommandLine,
            ["COMMAND"] = command,
            ["PARTS"] = parts,
            ["SLURM_ARRAY_TASK_MIN"] = "2",
            ["SLURM_ARRAY_TASK_COUNT"] = "3",
        };
        string script = Path.Combine(PartRules.RepoRoot(), "deploy", "slurm", "worker.sbatch");
        var tasks = new[] { 2, 3, 4 }
            .Select(id =>
                CliProcess.StartProgram(
                    "bash",
                    [script],
                    new Dictionary<string, string>(env)
                    {
                        ["SLURM_ARRAY_TASK_ID"] = id.ToString(CultureInfo.InvariantCulture),
                    }
                )
            )
            .ToList();
        foreach (var t in tasks)
            using (t)
            {
                var r = CliProcess.Finish(t);
                Assert.True(r.Code == 0, r.Error + r.Output);
            }
        Assert.Equal(4, Directory.GetFiles(parts, "part-*.parquet").Length); // 7 pairs, 2 a shard
        var (code, merged, error) = CliHarness.Run("probe", "minimal-pairs-merge", "--parts", parts, "--json");
        Assert.True(code == 0, error);
        (code, var single, error) = CliHarness.Run([
            "probe",
            "minimal-pairs",
            "-m",
            tiny,
            "--pairs",
            file,
            "--batch-size",
            "1",
            "--json",
            "--threads",
            "1",
        ]);
        Assert.True(code == 0, error);
        Assert.Equal(Result(single), Result(merged));
        // A missing variable is one line naming it.
        using var bad = CliProcess.StartProgram("bash", [script], new Dictionary<string, string> { ["PARTS"] = parts });
        var (badCode, _, badError) = CliProcess.Finish(bad);
        Assert.NotEqual(0, badCode);
        Assert.Contains("COMMAND", badError, StringComparison.Ordinal);
        Assert.Single(badError.Trim().Split('\n'));
    }

    private static string Result(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetRawText();
    }
}
