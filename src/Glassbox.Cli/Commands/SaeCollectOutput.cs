using System.Globalization;
using Glassbox.Neurons.Sae;

namespace Glassbox.Cli.Commands;

/// <summary>What <c>sae collect</c> and <c>sae collect-merge</c> print.</summary>
internal static class SaeCollectOutput
{
    private static string N(double v, string f = "N0") => v.ToString(f, CultureInfo.InvariantCulture);

    public static void Cache(string command, CollectedActivations cache, bool json)
    {
        var result = new
        {
            cache = cache.Directory,
            hook = cache.Hook,
            dIn = cache.Width,
            texts = cache.Texts,
            rows = cache.Rows,
            context = cache.ContextSize,
            megabytes = Math.Round(
                new FileInfo(Path.Combine(cache.Directory, CollectedActivations.DataFile)).Length / 1e6,
                3
            ),
        };
        if (json)
        {
            CliJson.Write(command, cache.Model, result);
            return;
        }
        var t = Show.Titled($"Activation cache of {cache.Model} at {cache.Hook}", "", "");
        t.Row("texts", N(cache.Texts));
        t.Row("rows (tokens, BOS left out)", N(cache.Rows));
        t.Row("width (d_in)", N(cache.Width));
        t.Row("context", N(cache.ContextSize) + " tokens");
        t.Row("size", N(result.megabytes, "F1") + " MB");
        Show.Write(t);
        Show.Wrote(cache.Directory);
        Show.Markup($"Train on it: glassbox sae train --activations {cache.Directory}");
    }

    public static void Worker(ActivationCollectSummary summary, string model, bool json)
    {
        if (json)
        {
            CliJson.Write("sae collect", model, summary);
            return;
        }
        var t = Show.Titled($"Activation collection on {model}: worker {summary.Shard}", "", "");
        t.Row("texts in the job", N(summary.Texts));
        t.Row(
            "shards",
            $"{N(summary.Shards)} in all; this worker's: {N(summary.PartsFound)} found written, {N(summary.PartsWritten)} written now"
        );
        t.Row("rows written now", N(summary.Rows));
        t.Row("time", N(summary.Seconds, "F1") + " s");
        Show.Write(t);
        Show.Markup($"When every worker is done: glassbox sae collect-merge --parts {summary.Parts} --out DIR");
    }
}
