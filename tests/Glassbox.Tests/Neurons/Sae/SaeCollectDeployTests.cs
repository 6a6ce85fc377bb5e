using Glassbox.Neurons.Sae;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Neurons.Sae;

/// <summary>deploy/k8s/sae-collect-job.yaml and its merge job, their arguments run once per pod with
/// JOB_COMPLETION_INDEX set: the cache one run writes, byte for byte.</summary>
[Collection("console")]
public sealed class SaeCollectDeployTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-sae-deploy-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_give_the_single_run_cache_from_the_kubernetes_job_manifests()
    {
        string k8s = Path.Combine(Glassbox.Tests.Architecture.PartRules.RepoRoot(), "deploy", "k8s");
        string tiny = TinyCliModel.Write(Path.Combine(_dir, "tiny"));
        File.WriteAllLines(
            Path.Combine(_dir, "corpus.txt"),
            Enumerable
                .Range(0, 1200)
                .SelectMany(i =>
                    new[] { i % 2 == 0 ? "the dog ran home" : "a cat saw the sun and ran", "<|endoftext|>" }
                )
        );
        string Local(string a) =>
            a == "/shared/model" ? tiny
            : a == "blocks.2.mlp.hook_post" ? "blocks.1.mlp.hook_post" // the tiny model has two layers
            : a.Replace("/shared", _dir, StringComparison.Ordinal);
        var worker = Glassbox
            .Tests.Neurons.Store.DeployScriptTests.ManifestArgs(Path.Combine(k8s, "sae-collect-job.yaml"))
            .Select(Local)
            .Select(a => a == "4" ? "1" : a) // one thread per pod here
            .ToList();
        Assert.Contains("auto/4", worker);
        Glassbox.Tests.Neurons.Store.DeployScriptTests.RunPods(worker, 4);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_dir, "sae-parts"), "part-*.parquet").Length); // 1080 texts: 135 chunks, 3 shards
        var merge = Glassbox
            .Tests.Neurons.Store.DeployScriptTests.ManifestArgs(Path.Combine(k8s, "sae-collect-merge-job.yaml"))
            .Select(Local)
            .ToArray();
        var (code, _, error) = CliHarness.Run(merge);
        Assert.True(code == 0, error);
        var single = Glassbox.Tests.Neurons.Store.DeployScriptTests.WithoutSharding(worker);
        single.AddRange(["--out", Path.Combine(_dir, "single")]);
        (code, _, error) = CliHarness.Run(single.ToArray());
        Assert.True(code == 0, error);
        foreach (var file in new[] { CollectedActivations.DataFile, CollectedActivations.ManifestFile })
            Assert.Equal(
                File.ReadAllBytes(Path.Combine(_dir, "single", file)),
                File.ReadAllBytes(Path.Combine(_dir, "sae-cache", file))
            );
    }
}
