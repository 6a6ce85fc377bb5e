using System.Globalization;
using Glassbox.Tests.Architecture;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Probing;

/// <summary>The deploy/ files of the sharded probes run as a scheduler would run them: deploy/slurm/worker.sbatch (any
/// sharded command as a Slurm array) under bash as array tasks 2-4, and deploy/k8s/pairs-job.yaml's arguments once
/// per pod with JOB_COMPLETION_INDEX set, then the merge: the single run's result.</summary>
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

    [Fact]
    public void Should_give_the_single_run_result_from_the_kubernetes_pairs_job_manifests()
    {
        string k8s = Path.Combine(PartRules.RepoRoot(), "deploy", "k8s");
        string tiny = TinyCliModel.Write(Path.Combine(_dir, "tiny")),
            blimp = Path.Combine(_dir, "blimp");
        Directory.CreateDirectory(blimp);
        File.WriteAllLines(
            Path.Combine(blimp, "agreement.jsonl"),
            Enumerable
                .Range(0, 1200) // more than the 500 pairs of a shard: three shards over the four pods
                .Select(i =>
                    i % 2 == 0
                        ? "{\"sentence_good\": \"lily is happy.\", \"sentence_bad\": \"lily are happy.\", \"UID\": \"agreement\", \"linguistics_term\": \"agreement\"}"
                        : "{\"sentence_good\": \"they were sad.\", \"sentence_bad\": \"they was sad.\", \"UID\": \"agreement\", \"linguistics_term\": \"agreement\"}"
                )
        );
        string Local(string a) =>
            a switch
            {
                "/shared/model" => tiny,
                _ => a.Replace("/shared", _dir, StringComparison.Ordinal),
            };
        var worker = Glassbox
            .Tests.Neurons.Store.DeployScriptTests.ManifestArgs(Path.Combine(k8s, "pairs-job.yaml"))
            .Select(Local)
            .ToList();
        int completions = int.Parse(
            System
                .Text.RegularExpressions.Regex.Match(
                    File.ReadAllText(Path.Combine(k8s, "pairs-job.yaml")),
                    @"completions:\s*(\d+)"
                )
                .Groups[1]
                .Value,
            CultureInfo.InvariantCulture
        );
        Assert.Contains("auto/" + completions.ToString(CultureInfo.InvariantCulture), worker);
        Glassbox.Tests.Neurons.Store.DeployScriptTests.RunPods(worker, completions);
        var merge = Glassbox
            .Tests.Neurons.Store.DeployScriptTests.ManifestArgs(Path.Combine(k8s, "pairs-merge-job.yaml"))
            .Select(Local)
            .ToArray();
        var (code, merged, error) = CliHarness.Run(merge);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(_dir, "pairs-report.html")));
        (code, var single, error) = CliHarness.Run(
            Glassbox.Tests.Neurons.Store.DeployScriptTests.WithoutSharding(worker).ToArray()
        );
        Assert.True(code == 0, error);
        // Batches differ between the pods and one run, so scores agree up to float rounding: the accuracies are equal.
        Assert.Equal(Accuracy(single), Accuracy(merged));
        Assert.Equal(1200, Count(merged));
    }

    private static string Accuracy(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetProperty("accuracy").GetRawText();
    }

    private static int Count(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetProperty("count").GetInt32();
    }

    private static string Result(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetRawText();
    }
}
