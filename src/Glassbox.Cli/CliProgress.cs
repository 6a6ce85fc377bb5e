using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace Glassbox.Cli;

/// <summary>Progress of a long command, routed to one place. On a terminal (stdout not redirected, no --json) it is a
/// Spectre progress bar; otherwise it is a plain line on stderr every few seconds, with rate and ETA, e.g.
/// <c>probe pos: layer 3/7, 1200/4000 sentences, 310/s, ETA 9 s</c>. Stdout stays clean either way.
/// <c>GLASSBOX_PROGRESS_SECONDS</c> sets the interval between plain lines (default 5).</summary>
internal sealed partial class CliProgress
{
    public const string IntervalVariable = "GLASSBOX_PROGRESS_SECONDS";
    private const double DefaultInterval = 5;

    private readonly string label, unit;
    private readonly int layerCount;
    private readonly TextWriter? plain;
    private readonly double interval;
    private readonly Func<double> clock;
    private readonly object gate = new();
    private string? phase;
    private int done, total;
    private double countStart = double.NaN, lastLine;
    private int countStartDone;

    /// <summary>Called after every update (the terminal view refreshes its bar from it).</summary>
    public Action<CliProgress>? Changed { get; set; }

    public CliProgress(string label, string unit, int layerCount = 0, TextWriter? plain = null, double? interval = null, Func<double>? clock = null)
    {
        (this.label, this.unit, this.layerCount, this.plain) = (label, unit, layerCount, plain);
        this.interval = interval ?? ReadInterval();
        var sw = Stopwatch.StartNew();
        this.clock = clock ?? (() => sw.Elapsed.TotalSeconds);
        lastLine = this.clock();
    }

    /// <summary>Runs <paramref name="body"/> with a reporter: a terminal bar for people, stderr lines otherwise.</summary>
    public static T Run<T>(string label, bool json, string unit, Func<CliProgress, T> body, int layerCount = 0)
    {
        if (json || Console.IsOutputRedirected) return body(new CliProgress(label, unit, layerCount, Console.Error));
        T result = default!;
        Show.Console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Show.Status(label));
                var p = new CliProgress(label, unit, layerCount)
                {
                    Changed = x =>
                    {
                        task.Description = Show.Status(x.Describe(withRate: false));
                        if (x.total > 0) { task.MaxValue = x.total; task.Value = Math.Min(x.done, x.total); }
                    },
                };
                result = body(p);
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Runs a step without counts (a phase message only).</summary>
    public static void Run(string label, bool json, Action<CliProgress> body) => Run<int>(label, json, "items", p => { body(p); return 0; });

    /// <summary>Items done out of a total (sentences, steps, facts, ...); usable as an <c>Action&lt;int, int&gt;</c>.</summary>
    public void Count(int doneNow, int totalNow)
    {
        lock (gate)
        {
            double now = clock();
            if (totalNow != total || doneNow < done || double.IsNaN(countStart)) (countStart, countStartDone) = (now, doneNow);
            (done, total) = (doneNow, totalNow);
        }
        Update();
    }

    /// <summary>A status message; "layer i ..." becomes "layer i/N" when the layer count is known.</summary>
    public void Status(string message)
    {
        var m = LayerMessage().Match(message ?? "");
        string text = m.Success && layerCount > 0 ? string.Create(CultureInfo.InvariantCulture, $"layer {m.Groups[1].Value}/{layerCount - 1}") : (message ?? "").ReplaceLineEndings(" ");
        lock (gate) phase = text.Length > 80 ? text[..77] + "..." : text;
        Update();
    }

    public Action<int, int> Counter => Count;
    public Action<string> Reporter => Status;

    /// <summary>The progress line: label, phase, counts, and (when <paramref name="withRate"/>) rate and ETA.</summary>
    public string Describe(bool withRate = true)
    {
        lock (gate)
        {
            var parts = new List<string>();
            if (!string.IsNullOrEmpty(phase)) parts.Add(phase);
            if (total > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{done}/{total} {unit}"));
                double seconds = clock() - countStart, rate = seconds > 0 ? (done - countStartDone) / seconds : 0;
                if (withRate && rate > 0)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rate:0.#}/s"));
                    parts.Add("ETA " + Duration((total - done) / rate));
                }
            }
            return parts.Count == 0 ? label : label + ": " + string.Join(", ", parts);
        }
    }

    internal static string Duration(double seconds) => seconds switch
    {
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(seconds):0} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(seconds / 60):0} min {Math.Ceiling(seconds % 60):0} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(seconds / 3600):0} h {Math.Floor(seconds % 3600 / 60):0} min"),
    };

    private void Update()
    {
        Changed?.Invoke(this);
        if (plain is null) return;
        string? line = null;
        lock (gate)
        {
            double now = clock();
            if (now - lastLine >= interval) { lastLine = now; line = Describe(); }
        }
        if (line is not null) plain.WriteLine(line);
    }

    private static double ReadInterval() =>
        double.TryParse(Environment.GetEnvironmentVariable(IntervalVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 ? v : DefaultInterval;

    [GeneratedRegex(@"^layer (\d+)")]
    private static partial Regex LayerMessage();
}
