using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace Glassbox.Cli;

/// <summary>Progress of a long command, routed to one place. On a terminal (stdout not redirected, no --json) it is a
/// Spectre progress bar; otherwise it is a plain line on stderr, first after one second and then every few seconds
/// (also between updates), with rate and ETA, e.g. <c>probe pos: layer 3/7: training probes, 3/8 layers, 12.5 s each,
/// ETA 1 min 3 s</c>. Stdout stays clean either way. Counts come from <see cref="Count"/> (sentences, steps, ...) or
/// from the status text itself ("layer 3", "attention 40/200"). <c>GLASSBOX_PROGRESS_SECONDS</c> sets the interval
/// between plain lines (default 5).</summary>
internal sealed partial class CliProgress
{
    public const string IntervalVariable = "GLASSBOX_PROGRESS_SECONDS";
    private const double DefaultInterval = 5,
        FirstLine = 1;

    private readonly string label,
        unit;
    private readonly int layerCount;
    private readonly TextWriter? plain;
    private readonly double interval;
    private readonly Func<double> clock;
    private readonly object gate = new();
    private string? phase,
        countUnit;
    private int done,
        total;
    private bool countHidden = true;
    private double countStart,
        lastLine = double.NaN;
    private int countStartDone;

    /// <summary>Called after every update (the terminal view refreshes its bar from it).</summary>
    public Action<CliProgress>? Changed { get; set; }

    /// <param name="label">What runs ("probe pos").</param>
    /// <param name="unit">What <see cref="Count"/> counts ("sentences").</param>
    /// <param name="layerCount">Layers a "layer i" status runs over (0 when unknown).</param>
    /// <param name="plain">Where plain lines go (null: none).</param>
    /// <param name="interval">Seconds between plain lines (default from <see cref="IntervalVariable"/>).</param>
    /// <param name="clock">Seconds since start (tests pass their own).</param>
    public CliProgress(
        string label,
        string unit,
        int layerCount = 0,
        TextWriter? plain = null,
        double? interval = null,
        Func<double>? clock = null
    )
    {
        (this.label, this.unit, this.layerCount, this.plain) = (label, unit, layerCount, plain);
        this.interval = interval ?? ReadInterval();
        var sw = Stopwatch.StartNew();
        this.clock = clock ?? (() => sw.Elapsed.TotalSeconds);
        countStart = this.clock();
    }

    /// <summary>Runs <paramref name="body"/> with a reporter: a terminal bar for people, stderr lines otherwise.</summary>
    public static T Run<T>(string label, bool json, string unit, Func<CliProgress, T> body, int layerCount = 0)
    {
        if (json || Console.IsOutputRedirected)
        {
            var p = new CliProgress(label, unit, layerCount, Console.Error);
            using var heartbeat = new Timer(
                _ => p.Tick(),
                null,
                TimeSpan.FromSeconds(FirstLine),
                TimeSpan.FromSeconds(Math.Max(0.2, Math.Min(FirstLine, p.interval)))
            );
            return body(p);
        }
        T result = default!;
        Show.Console.Progress()
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn()
            )
            .Start(ctx =>
            {
                var task = ctx.AddTask(Show.Status(label));
                task.IsIndeterminate = true;
                var p = new CliProgress(label, unit, layerCount)
                {
                    Changed = x =>
                    {
                        task.Description = Show.Status(x.Describe(withRate: false));
                        lock (x.gate)
                        {
                            task.IsIndeterminate = x.countHidden || x.total <= 0;
                            if (!task.IsIndeterminate)
                            {
                                task.MaxValue = x.total;
                                task.Value = Math.Min(x.done, x.total);
                            }
                        }
                    },
                };
                result = body(p);
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Runs a step reported by status messages only (counts, if any, come from the messages).</summary>
    public static void Run(string label, bool json, Action<CliProgress> body, int layerCount = 0) =>
        Run<int>(
            label,
            json,
            "items",
            p =>
            {
                body(p);
                return 0;
            },
            layerCount
        );

    /// <summary>Items done out of a total (sentences, steps, facts, ...); usable as an <c>Action&lt;int, int&gt;</c>.</summary>
    public void Count(int doneNow, int totalNow)
    {
        lock (gate)
            Track(doneNow, totalNow, unit);
        Update();
    }

    /// <summary>A status message. "layer i" becomes "layer i/last" when the layer count is known and counts layers;
    /// "done/total" in the message ("attention 40/200") counts too; any other message hides the previous count
    /// until the next one.</summary>
    public void Status(string message)
    {
        string text = (message ?? "").ReplaceLineEndings(" ");
        lock (gate)
        {
            var layer = LayerMessage().Match(text);
            var fraction = Fraction().Match(text);
            if (layer.Success && (layer.Groups[2].Success || layerCount > 0))
            {
                int i = Parse(layer.Groups[1].Value);
                int last = layer.Groups[2].Success ? Parse(layer.Groups[2].Value) : layerCount - 1;
                if (!layer.Groups[2].Success)
                    text = text.Insert(
                        layer.Groups[1].Index + layer.Groups[1].Length,
                        string.Create(CultureInfo.InvariantCulture, $"/{last}")
                    );
                Track(i, last + 1, "layers");
            }
            else if (fraction.Success)
                Track(Parse(fraction.Groups[1].Value), Parse(fraction.Groups[2].Value), null);
            else
                countHidden = true;
            phase = text.Length > 80 ? text[..77] + "..." : text;
        }
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
            if (!string.IsNullOrEmpty(phase))
                parts.Add(phase);
            if (!countHidden && total > 0)
            {
                if (countUnit is not null)
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{done}/{total} {countUnit}"));
                double seconds = clock() - countStart,
                    rate = seconds > 0 ? (done - countStartDone) / seconds : 0;
                if (withRate && rate > 0)
                {
                    parts.Add(
                        rate >= 1
                            ? string.Create(CultureInfo.InvariantCulture, $"{rate:0.#}/s")
                            : string.Create(CultureInfo.InvariantCulture, $"{1 / rate:0.#} s each")
                    );
                    parts.Add("ETA " + Duration(Math.Max(0, total - done) / rate));
                }
            }
            return parts.Count == 0 ? label : label + ": " + string.Join(", ", parts);
        }
    }

    /// <summary>"42 s", "2 min 5 s", "1 h 3 min".</summary>
    internal static string Duration(double seconds) =>
        seconds switch
        {
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(seconds):0} s"),
            < 3600 => string.Create(
                CultureInfo.InvariantCulture,
                $"{Math.Floor(seconds / 60):0} min {Math.Floor(seconds % 60):0} s"
            ),
            _ => string.Create(
                CultureInfo.InvariantCulture,
                $"{Math.Floor(seconds / 3600):0} h {Math.Floor(seconds % 3600 / 60):0} min"
            ),
        };

    /// <summary>Writes a plain line when one is due (called by updates and by the heartbeat timer).</summary>
    internal void Tick()
    {
        if (plain is null)
            return;
        lock (gate)
        {
            double now = clock();
            bool due = double.IsNaN(lastLine) ? now >= Math.Min(FirstLine, interval) : now - lastLine >= interval;
            if (!due)
                return;
            lastLine = now;
            plain.WriteLine(Describe());
        }
    }

    // A count that continues the previous one (same total and unit, not going back) keeps its rate; others restart it.
    private void Track(int doneNow, int totalNow, string? unitNow)
    {
        bool continues =
            totalNow == total && string.Equals(unitNow, countUnit, StringComparison.Ordinal) && doneNow >= done;
        if (!continues)
            (countStart, countStartDone) = (clock(), doneNow);
        (done, total, countUnit, countHidden) = (doneNow, totalNow, unitNow, false);
    }

    private void Update()
    {
        Changed?.Invoke(this);
        Tick();
    }

    private static int Parse(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : int.MaxValue;

    private static double ReadInterval() =>
        double.TryParse(
            Environment.GetEnvironmentVariable(IntervalVariable),
            NumberStyles.Float,
            CultureInfo.InvariantCulture,
            out double v
        )
        && v >= 0
            ? v
            : DefaultInterval;

    [GeneratedRegex(@"\blayer (\d+)(?:/(\d+))?\b")]
    private static partial Regex LayerMessage();

    [GeneratedRegex(@"\b(\d+)/(\d+)\b")]
    private static partial Regex Fraction();
}
