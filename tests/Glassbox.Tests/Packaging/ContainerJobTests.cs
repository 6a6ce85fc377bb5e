using System.Diagnostics;
using Glassbox.Tests.Architecture;
using Glassbox.Tests.Neurons.Store;

namespace Glassbox.Tests.Packaging;

/// <summary>The image built from deploy/Dockerfile runs the Kubernetes Indexed Job of deploy/k8s as pods would:
/// deploy/local/run-job.sh starts one container per index with JOB_COMPLETION_INDEX set and the shared volume
/// mounted, retries a pod that is killed, then runs the merge Job; the merged store equals a single run of the CLI
/// built here, row for row. Needs a Docker daemon, kubectl (to read the manifests, no cluster) and the image
/// (GLASSBOX_IMAGE, default glassbox:latest; docs/scale.md says how to build it offline); skips otherwise.</summary>
[Collection("console")]
[Trait("Category", "Slow")]
public sealed class ContainerJobTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-container-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Image => Environment.GetEnvironmentVariable("GLASSBOX_IMAGE") ?? "glassbox:latest";

    private static (int Code, string Output) Run(string program, params string[] args)
    {
        try
        {
            using var p = CliProcess.StartProgram(program, args);
            var (code, output, error) = CliProcess.Finish(p);
            return (code, output + error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, e.Message);
        }
    }

    private static string? Missing()
    {
        if (Run("kubectl", "version", "--client").Code != 0)
            return "kubectl is not installed";
        if (Run("docker", "info").Code != 0)
            return "no Docker daemon";
        return Run("docker", "image", "inspect", Image).Code != 0 ? "no image " + Image : null;
    }

    private Process Job(string manifest) =>
        CliProcess.StartProgram(
            "bash",
            new[]
            {
                Path.Combine(PartRules.RepoRoot(), "deploy", "local", "run-job.sh"),
                Path.Combine(PartRules.RepoRoot(), "deploy", "k8s", manifest),
                _dir,
            },
            new Dictionary<string, string> { ["PARALLELISM"] = "2", ["IMAGE"] = Image }
        );

    private (int Code, string Output, string Error) BadJob(string manifest)
    {
        using var p = CliProcess.StartProgram(
            "bash",
            new[] { Path.Combine(PartRules.RepoRoot(), "deploy", "local", "run-job.sh"), manifest, _dir }
        );
        return CliProcess.Finish(p);
    }

    [Fact]
    public void Should_stop_with_one_line_naming_the_manifest_when_it_is_missing()
    {
        string manifest = Path.Combine(_dir, "job.yaml");
        var (code, output, error) = BadJob(manifest);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal("run-job.sh: " + manifest + ": no such file", error.Trim());
    }

    [SkippableFact]
    public void Should_stop_with_one_line_naming_the_manifest_when_it_is_not_a_job()
    {
        Skip.If(Run("kubectl", "version", "--client").Code != 0, "kubectl is not installed");
        string manifest = Path.Combine(PartRules.RepoRoot(), "deploy", "k8s", "shared-pvc.yaml");
        var (code, _, error) = BadJob(manifest);
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("run-job.sh: " + manifest + ": kubectl cannot read it", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Should_give_the_single_run_store_from_the_indexed_job_in_containers_with_a_killed_pod()
    {
        string? missing = Missing();
        Skip.If(missing is not null, missing + ": the container run of the Indexed Job was not tried");
        StoreTestData.ModelDir(Path.Combine(_dir, "model"));
        StoreTestData.Corpus(_dir, StoreTestData.Documents(230, 3));
        string firstPod = "glassbox-harvest-0-1";
        (int, string, string) harvest;
        using (var job = Job("harvest-job.yaml"))
        {
            // Kill pod 0's first attempt as soon as it runs: the Job must start it again and finish.
            var until = DateTime.UtcNow.AddMinutes(2);
            while (Run("docker", "kill", firstPod).Code != 0)
            {
                Assert.True(DateTime.UtcNow < until && !job.HasExited, "pod " + firstPod + " never ran");
                Thread.Sleep(20);
            }
            harvest = CliProcess.Finish(job);
        }
        var (code, output, error) = harvest;
        Assert.True(code == 0, "harvest Job failed: " + output + error);
        Assert.Contains("pod " + firstPod + " failed", output, StringComparison.Ordinal);
        Assert.Contains("pod glassbox-harvest-0-2 succeeded", output, StringComparison.Ordinal);
        using (var merge = Job("merge-job.yaml"))
        {
            var m = CliProcess.Finish(merge);
            Assert.True(m.Code == 0, "merge Job failed: " + m.Output + m.Error);
        }
        // The single run, by the CLI built here (not in a container), from the manifest's own worker arguments.
        var worker = DeployScriptTests
            .WithoutSharding(
                DeployScriptTests.ManifestArgs(Path.Combine(PartRules.RepoRoot(), "deploy", "k8s", "harvest-job.yaml"))
            )
            .Select(a => a.Replace("/shared", _dir, StringComparison.Ordinal))
            .ToList();
        void Single(string store)
        {
            using var s = CliProcess.Start(worker.Concat(new[] { "--store", store }));
            var r = CliProcess.Finish(s);
            Assert.True(r.Code == 0, "single run failed: " + r.Error + r.Output);
        }
        string single = Path.Combine(_dir, "single.duckdb");
        Single(single);
        // The manifest table records the paths each side was given: the pods' /shared is this folder.
        StoreAssert.SameRowsAsSingle(single, Path.Combine(_dir, "store.duckdb"), Single, row =>
            row.Replace("/shared", _dir, StringComparison.Ordinal)
        );
    }
}
