using System.Globalization;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Circuits.Patching;

/// <summary>deploy/k8s/patch-set-job.yaml and its merge job, their arguments run once per pod with
/// JOB_COMPLETION_INDEX set: the result one run gives (same thread count), and the report.</summary>
[Collection("console")]
public sealed class PatchSetDeployTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-patch-deploy-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_give_the_single_run_result_from_the_kubernetes_job_manifests()
    {
        string k8s = Path.Combine(Glassbox.Tests.Architecture.PartRules.RepoRoot(), "deploy", "k8s");
        string tiny = TinyCliModel.Write(Path.Combine(_dir, "tiny"));
        string[] names = ["lily", "tom", "ben", "mom"];
        File.WriteAllLines(
            Path.Combine(_dir, "prompts.jsonl"),
            from a in names
            from b in names
            where a != b
            from t in new[] { "{0} went to the park and", "once upon a time {0} had a dog . one day" }
            select $"{{\"clean\": \"{string.Format(CultureInfo.InvariantCulture, t, a)}\", \"corrupted\": \"{string.Format(CultureInfo.InvariantCulture, t, b)}\", \"answer\": \"{a}\", \"wrong\": \"{b}\"}}"
        ); // 24 pairs: two shards of 20 over four pods
        string Local(string a) =>
            a == "/shared/model" ? tiny
            : a == "4" ? "1" // one thread per pod here
            : a.Replace("/shared", _dir, StringComparison.Ordinal);
        var worker = Glassbox
            .Tests.Neurons.Store.DeployScriptTests.ManifestArgs(Path.Combine(k8s, "patch-set-job.yaml"))
            .Select(Local)
            .ToList();
        Assert.Contains("auto/4", worker);
        Glassbox.Tests.Neurons.Store.DeployScriptTests.RunPods(worker, 4);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_dir, "patch-parts"), "part-*.parquet").Length);
        var merge = Glassbox
            .Tests.Neurons.Store.DeployScriptTests.ManifestArgs(Path.Combine(k8s, "patch-set-merge-job.yaml"))
            .Select(Local)
            .ToArray();
        var (code, merged, error) = CliHarness.Run(merge);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(_dir, "patch-set.html")));
        (code, var one, error) = CliHarness.Run(
            Glassbox.Tests.Neurons.Store.DeployScriptTests.WithoutSharding(worker).ToArray()
        );
        Assert.True(code == 0, error);
        Assert.Equal(Result(one), Result(merged));
    }

    private static string Result(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetRawText();
    }
}
