using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Glassbox.Tests.Architecture;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>The files in deploy/ run as a scheduler would run them: the Kubernetes Indexed Job's worker and merge
/// arguments (read from the manifests) with <c>JOB_COMPLETION_INDEX</c> set per pod, and the Slurm array's scripts
/// under bash with the array's variables, give exactly the store of one run.</summary>
[Collection("console")]
public sealed partial class DeployScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-deploy-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [GeneratedRegex(@"^\s*-\s+(""[^""]*""|\S+)")]
    private static partial Regex ListItem();

    /// <summary>The <c>args</c> of the first container of a manifest: a block list or an inline [a, b] list.</summary>
    internal static List<string> ManifestArgs(string file)
    {
        var lines = File.ReadAllLines(file);
        int at = Array.FindIndex(lines, l => l.TrimStart().StartsWith("args:", StringComparison.Ordinal));
        Assert.True(at >= 0, file + " has no args");
        string rest = lines[at].Split("args:", 2)[1].Trim();
        if (rest.StartsWith('['))
            return rest.Trim('[', ']').Split(',').Select(a => a.Trim()).ToList();
        var args = new List<string>();
        for (int i = at + 1; i < lines.Length && ListItem().Match(lines[i]) is { Success: true } m; i++)
            args.Add(m.Groups[1].Value.Trim('"'));
        return args;
    }

    /// <summary>Runs a worker's arguments once per pod of an Indexed Job (JOB_COMPLETION_INDEX 0..pods−1, started
    /// together) and checks that every pod exits 0.</summary>
    internal static void RunPods(IReadOnlyList<string> worker, int pods)
    {
        var started = Enumerable
            .Range(0, pods)
            .Select(i =>
                CliProcess.Start(
                    worker,
                    new Dictionary<string, string>
                    {
                        ["JOB_COMPLETION_INDEX"] = i.ToString(CultureInfo.InvariantCulture),
                    }
                )
            )
            .ToList();
        foreach (var p in started)
            using (p)
                Ok(CliProcess.Finish(p), "pod");
    }

    /// <summary>A worker's arguments without <c>--parts DIR</c> and <c>--shard K/N</c>: the single run.</summary>
    internal static List<string> WithoutSharding(IEnumerable<string> worker)
    {
        var plain = worker.ToList();
        foreach (string option in new[] { "--parts", "--shard" })
            plain.RemoveRange(plain.IndexOf(option), 2);
        return plain;
    }

    private (string Model, string Corpus, string Single) Inputs()
    {
        string model = StoreTestData.ModelDir(Path.Combine(_dir, "model"));
        string corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(230, 3));
        return (model, corpus, Path.Combine(_dir, "single.duckdb"));
    }

    private static void Ok((int Code, string Output, string Error) r, string what) =>
        Assert.True(r.Code == 0, what + " failed: " + r.Error + r.Output);

    [Fact]
    public void Should_give_the_single_run_store_from_the_kubernetes_indexed_job_manifests()
    {
        string k8s = Path.Combine(PartRules.RepoRoot(), "deploy", "k8s");
        var (model, corpus, single) = Inputs();
        var worker = ManifestArgs(Path.Combine(k8s, "harvest-job.yaml"));
        int completions = int.Parse(
            Regex
                .Match(File.ReadAllText(Path.Combine(k8s, "harvest-job.yaml")), @"completions:\s*(\d+)")
                .Groups[1]
                .Value,
            CultureInfo.InvariantCulture
        );
        Assert.Contains("auto/" + completions.ToString(CultureInfo.InvariantCulture), worker);
        string Local(string a) =>
            a switch
            {
                "/shared/model" => model,
                "/shared/corpus.txt" => corpus,
                _ => a.Replace("/shared", _dir, StringComparison.Ordinal),
            };
        // Every pod of the Indexed Job, two at a time; with 230 documents (3 shards) most pods own no shard.
        for (int k = 0; k < completions; k += 2)
        {
            var pods = new[] { k, k + 1 }
                .Select(i =>
                    CliProcess.Start(
                        worker.Select(Local),
                        new Dictionary<string, string>
                        {
                            ["JOB_COMPLETION_INDEX"] = i.ToString(CultureInfo.InvariantCulture),
                        }
                    )
                )
                .ToList();
            foreach (var p in pods)
                using (p)
                    Ok(CliProcess.Finish(p), "pod");
        }
        var merge = ManifestArgs(Path.Combine(k8s, "merge-job.yaml")).Select(Local).ToList();
        using (var m = CliProcess.Start(merge))
            Ok(CliProcess.Finish(m), "merge");
        // The single run: the worker's arguments without --parts/--shard, into a store.
        var plain = WithoutSharding(worker.Select(Local));
        void Single(string store)
        {
            using var s = CliProcess.Start(plain.Concat(new[] { "--store", store }));
            Ok(CliProcess.Finish(s), "single run");
        }
        Single(single);
        StoreAssert.SameRowsAsSingle(single, merge[merge.IndexOf("--store") + 1], Single);
    }

    [Fact]
    public void Should_give_the_single_run_store_from_the_slurm_array_scripts_under_bash()
    {
        string slurm = Path.Combine(PartRules.RepoRoot(), "deploy", "slurm");
        var (model, corpus, single) = Inputs();
        string parts = Path.Combine(_dir, "parts"),
            merged = Path.Combine(_dir, "merged.duckdb");
        const string Extra = "--shard-docs 20 --top-k 4";
        var env = new Dictionary<string, string>
        {
            ["GLASSBOX"] = CliProcess.CommandLine,
            ["MODEL"] = model,
            ["CORPUS"] = corpus,
            ["PARTS"] = parts,
            ["STORE"] = merged,
            ["HARVEST_ARGS"] = Extra,
            ["SLURM_ARRAY_TASK_MIN"] = "4",
            ["SLURM_ARRAY_TASK_COUNT"] = "3",
            ["SLURM_CPUS_PER_TASK"] = "1",
        };
        // An array submitted as --array=4-6 whose task 5 was cancelled and resubmitted alone (--array=5, so Slurm
        // says its array has one task) with its place given as SHARD=1/3, as deploy/slurm/harvest.sbatch says: the
        // tasks run together, each its own worker.
        var tasks = new[] { 4, 5, 6 }
            .Select(id =>
                CliProcess.StartProgram(
                    "bash",
                    new[] { Path.Combine(slurm, "harvest.sbatch") },
                    id == 5
                        ? new Dictionary<string, string>(env)
                        {
                            ["SLURM_ARRAY_TASK_ID"] = "5",
                            ["SLURM_ARRAY_TASK_MIN"] = "5",
                            ["SLURM_ARRAY_TASK_COUNT"] = "1",
                            ["SHARD"] = "1/3",
                        }
                        : new Dictionary<string, string>(env)
                        {
                            ["SLURM_ARRAY_TASK_ID"] = id.ToString(CultureInfo.InvariantCulture),
                        }
                )
            )
            .ToList();
        var outputs = new List<string>();
        foreach (var t in tasks)
            using (t)
            {
                var r = CliProcess.Finish(t);
                Ok(r, "array task");
                outputs.Add(r.Output);
            }
        Assert.Contains("Worker 1/3 ", outputs[1], StringComparison.Ordinal);
        Assert.Equal(12, Directory.GetDirectories(parts, "shard-*").Length);
        using (var m = CliProcess.StartProgram("bash", new[] { Path.Combine(slurm, "merge.sbatch") }, env))
            Ok(CliProcess.Finish(m), "merge.sbatch");
        void Single(string store)
        {
            var args = StoreTestData.HarvestArgs(model, corpus, store, "--threads", "1");
            using var s = CliProcess.Start(args.Concat(Extra.Split(' ')));
            Ok(CliProcess.Finish(s), "single run");
        }
        Single(single);
        StoreAssert.SameRowsAsSingle(single, merged, Single);
    }

    [Fact]
    public void Should_stop_the_slurm_script_with_one_line_when_a_variable_is_missing()
    {
        string script = Path.Combine(PartRules.RepoRoot(), "deploy", "slurm", "harvest.sbatch");
        using Process p = CliProcess.StartProgram("bash", new[] { script }, new Dictionary<string, string>());
        var (code, _, error) = CliProcess.Finish(p);
        Assert.NotEqual(0, code);
        Assert.Contains("MODEL", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }
}
