using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace Glassbox.Cli.Commands;

/// <summary>Progress bars for the layer-by-layer probe experiments: one for extraction (sentences done) and one for
/// layers (from status messages "layer i..."); nothing for --json or redirected output.</summary>
internal static partial class LayerProgress
{
    public static T Run<T>(bool quiet, int layerCount, Func<Action<int, int>, Action<string>, T> body)
    {
        if (quiet || Console.IsOutputRedirected) return body((_, _) => { }, _ => { });
        T result = default!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var extract = ctx.AddTask("extracting");
                var layers = ctx.AddTask("layers", autoStart: false, maxValue: Math.Max(1, layerCount));
                void Status(string m)
                {
                    var match = LayerMessage().Match(m);
                    if (match.Success)
                    {
                        if (!layers.IsStarted) layers.StartTask();
                        layers.Value = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                    }
                    else if (m.Contains("random", StringComparison.Ordinal)) extract.Description = "extracting (random model)";
                }
                result = body((done, total) => { extract.MaxValue = Math.Max(1, total); extract.Value = done; }, Status);
                extract.Value = extract.MaxValue;
                if (!layers.IsStarted) layers.StartTask();
                layers.Value = layers.MaxValue;
            });
        return result;
    }

    [GeneratedRegex(@"^layer (\d+)")]
    private static partial Regex LayerMessage();
}
