using System.Globalization;
using Glassbox.Explorer.Hosting;
using Glassbox.Models;
using Glassbox.Probing;
using Microsoft.AspNetCore.Builder;

namespace Glassbox.Explorer.Api;

/// <summary>The probing page's endpoint: <c>POST /api/probe/jobs</c> starts a background job that trains the UPOS
/// probe of <c>glassbox probe pos --builtin</c> on every layer (with the control task and the random-weights model)
/// and ends with the <c>probe pos</c> envelope plus the layer curve with 95% bands as SVG.</summary>
public static class ProbeApi
{
    /// <summary>Body of <c>/api/probe/jobs</c>.</summary>
    /// <param name="Sentences">Generated sentences (20..2000), split 80/20.</param>
    /// <param name="Seed">Seed of the data and the probes.</param>
    public sealed record ProbeRequest(int Sentences = 200, int Seed = 0);

    /// <summary>The job's result: the probe result (as <c>probe pos --json</c>) and its curve.</summary>
    /// <param name="Probe">Per-layer accuracies with intervals, controls and baselines.</param>
    /// <param name="Data">What the probe ran on.</param>
    /// <param name="ChartSvg">The layer curve with 95% bands (Glassbox.Reports).</param>
    public sealed record ProbeJobResult(WordProbeResult Probe, string Data, string ChartSvg);

    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapPost("/api/probe/jobs", (ProbeRequest r) =>
        {
            if (r.Sentences is < 20 or > 2000)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"sentences must be in 20..2000, got {r.Sentences}")
                );
            var job = cx.Jobs.Start("probe pos", (m, job) => ResultJson.Serialize(Run(m, r, job)));
            return ExplorerContext.Envelope("job", cx.ModelName, job.Info());
        });
    }

    private static ResultEnvelope<ProbeJobResult> Run(
        Glassbox.Models.HookedTransformer model,
        ProbeRequest r,
        ExplorerJob job
    )
    {
        var (train, test) = BuiltInProbes.UposSample(r.Sentences, r.Seed);
        string data = string.Create(
            CultureInfo.InvariantCulture,
            $"Built-in data: {r.Sentences} generated sentences whose content words are noun/verb-ambiguous, split 80%/20% (seed {r.Seed})"
        );
        int lastPercent = -1;
        var options = new WordProbeOptions
        {
            Probe = new ProbeOptions { Seed = r.Seed },
            Seed = r.Seed,
            Extraction = new ExtractionOptions
            {
                Progress = (done, total) =>
                {
                    int percent = total == 0 ? 100 : done * 100 / total;
                    if (percent / 10 != lastPercent / 10)
                    {
                        lastPercent = percent;
                        job.Report(
                            string.Create(CultureInfo.InvariantCulture, $"representations: {done}/{total} sentences")
                        );
                    }
                    else
                        job.Token.ThrowIfCancellationRequested();
                },
            },
        };
        var result = WordProbeExperiment.Run(model, train, test, "UPOS", w => w.Upos, options, job.Report);
        var (_, chart) = ProbeReport.LayerCurve(result.Layers, result.MajorityBaseline, $"UPOS probe on {model.Name}");
        var manifest = RunManifest.For(
            "probe pos",
            model,
            r.Seed,
            new Dictionary<string, string>
            {
                ["probe"] = "linear",
                ["pooling"] = "first",
                ["source"] = "explorer",
            }
        ) with
        {
            DataDescription = data,
        };
        return ResultEnvelope.Create("probe pos", model.Name, new ProbeJobResult(result, data, chart), manifest);
    }
}
