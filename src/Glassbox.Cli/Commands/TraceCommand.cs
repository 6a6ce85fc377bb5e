using System.ComponentModel;
using System.Globalization;
using Glassbox.Circuits.Patching;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox trace</c>: causal tracing (Meng et al., 2022) over a prompt set.</summary>
public sealed class TraceCommand : Command<TraceCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--prompts <FILE>")]
        [Description("JSONL prompts: prompt, subject, optional answer (default: the model's greedy token).")]
        public string? Prompts { get; init; }

        [CommandOption("--rome <N>")]
        [Description("The first N facts of ROME's known_1000.json (shared data); answer = attribute.")]
        public int? Rome { get; init; }

        [CommandOption("--rome-file <FILE>")]
        [Description("Another copy of known_1000.json.")]
        public string? RomeFile { get; init; }

        [CommandOption("--stories")]
        [Description("Built-in story prompts that repeat a character's name (for story models).")]
        public bool Stories { get; init; }

        [CommandOption("--text <TEXT>")]
        [Description("One prompt (with --subject).")]
        public string? Text { get; init; }

        [CommandOption("--subject <S>")]
        [Description("Subject substring of --text.")]
        public string? Subject { get; init; }

        [CommandOption("--answer <TOK>")]
        [Description("Answer for --text (default: greedy).")]
        public string? Answer { get; init; }

        [CommandOption("--known-only")]
        [Description("Keep only prompts whose greedy prediction is the answer.")]
        public bool KnownOnly { get; init; }

        [CommandOption("--noise <X>")]
        [Description("Noise std as a multiple of the embedding std. Default 3.")]
        public double Noise { get; init; } = 3.0;

        [CommandOption("--samples <K>")]
        [Description("Noise samples per prompt. Default 10.")]
        public int Samples { get; init; } = 10;

        [CommandOption("--window <W>")]
        [Description("Layers restored together for mlp/attn. Default 10.")]
        public int Window { get; init; } = 10;

        [CommandOption("--kind <KIND>")]
        [Description("hidden (default), mlp or attn.")]
        public string Kind { get; init; } = "hidden";

        [CommandOption("--seed <S>")]
        [Description("Noise seed. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most N prompts.")]
        public int? Limit { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Write an HTML report with heatmaps.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var kind = s.Kind.Trim().ToLowerInvariant() switch
        {
            "hidden" => TraceKind.Hidden,
            "mlp" => TraceKind.Mlp,
            "attn" => TraceKind.Attn,
            _ => throw new InputException($"--kind: unknown kind '{s.Kind}'; use hidden, mlp or attn"),
        };
        int sources =
            (s.Prompts is null ? 0 : 1)
            + (s.Rome is null && s.RomeFile is null ? 0 : 1)
            + (s.Stories ? 1 : 0)
            + (s.Text is null ? 0 : 1);
        if (sources != 1)
            throw new InputException("give exactly one of --prompts, --rome, --stories or --text");
        if (s.Text is not null && s.Subject is null)
            throw new InputException("--text needs --subject");
        if (s.Rome is < 1)
            throw new InputException("--rome must be at least 1");
        var options = new TraceOptions
        {
            Kind = kind,
            NoiseMultiplier = s.Noise,
            Samples = s.Samples,
            Window = s.Window,
            Seed = s.Seed,
        };
        var files = new List<string>();
        IEnumerable<(string Prompt, string Subject, string? Answer)> raw;
        if (s.Prompts is not null)
        {
            raw = ReadPrompts(s.Prompts);
            files.Add(s.Prompts);
        }
        else if (s.Rome is not null || s.RomeFile is not null)
        {
            var path = s.RomeFile
                ?? RomeKnownsReader.DefaultPath
                ?? throw new InputException(
                    "--rome: shared/data/rome-knowns/known_1000.json not found; pass --rome-file"
                );
            files.Add(path);
            raw = RomeKnownsReader
                .Read(path)
                .Take(s.Rome ?? int.MaxValue)
                .Select(f => (f.Prompt, f.Subject, (string?)f.Attribute));
        }
        else if (s.Text is not null)
            raw = new[] { (s.Text, s.Subject!, s.Answer) };
        else
            raw = Array.Empty<(string, string, string?)>();
        using var model = CliModel.Load(s);
        var prompts = s.Stories
            ? NamePrompts.For(model)
            : raw.Select(r => TracePrompt.Create(model, r.Prompt, r.Subject, r.Answer));
        if (s.KnownOnly)
            prompts = prompts.Where(p => TracePrompt.Greedy(model, p.Ids) == p.Answer);
        if (s.Limit is { } lim)
            prompts = prompts.Take(lim);
        var list = prompts.ToList();
        if (list.Count == 0)
            throw new InputException("no prompts to trace (check --known-only and the prompt source)");
        var summary = CliProgress.Run("trace", s.Json, "prompts", p =>
            CausalTracing.TraceAll(model, list, options with { Progress = p.Counter })
        );
        var manifest = RunManifest.For(
            "trace",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["kind"] = kind.ToString().ToLowerInvariant(),
                ["noise"] = s.Noise.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["samples"] = s.Samples.ToString(CultureInfo.InvariantCulture),
                ["window"] = s.Window.ToString(CultureInfo.InvariantCulture),
                ["prompts"] = list.Count.ToString(CultureInfo.InvariantCulture),
                ["knownOnly"] = s.KnownOnly.ToString(),
            }
        ) with
        {
            Data = ProbeJsonl.Hashes(files),
        };
        if (s.Out is not null)
            summary.AddTo(new HtmlReport($"Causal tracing: {model.Name}")).Save(s.Out);
        if (s.Json)
        {
            CliJson.Write("trace", model.Name, summary, manifest);
            return 0;
        }
        var t = Show.Table("tokens");
        for (int l = 0; l < model.Config.NLayers; l++)
            t.Column(string.Create(CultureInfo.InvariantCulture, $"L{l}"));
        for (int c = 0; c < TraceSummary.CategoryNames.Count; c++)
            t.Row(
                new[]
                {
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{TraceSummary.CategoryNames[c]} ({summary.CategoryCounts[c]})"
                    ),
                }
                    .Concat(
                        summary
                            .MeanEffect[c]
                            .Select(
                                (v, l) =>
                                    float.IsNaN(v) ? "-"
                                    : float.IsNaN(summary.StdError[c][l])
                                        ? string.Create(CultureInfo.InvariantCulture, $"{v:F3}")
                                    : string.Create(CultureInfo.InvariantCulture, $"{v:F3}±{summary.StdError[c][l]:F3}")
                            )
                    )
                    .ToArray()
            );
        Show.Write(t);
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{list.Count} prompts, {kind}: mean p(answer) clean {summary.MeanPClean:F3}, corrupted {summary.MeanPCorrupted:F3}; "
            )
                + string.Create(
                    CultureInfo.InvariantCulture,
                    $"cells are mean indirect effects ± s.e. over prompts; peak {summary.Peak.Category} L{summary.Peak.Layer} ({summary.Peak.Effect:F3})."
                )
        );
        if (s.Out is not null)
            Show.Wrote(s.Out);
        return 0;
    }

    private static IEnumerable<(string, string, string?)> ReadPrompts(string path)
    {
        if (!File.Exists(path))
            throw new InputException($"--prompts: file not found: {path}");
        int line = 0;
        var result = new List<(string, string, string?)>();
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(text);
                var o = doc.RootElement;
                string Get(string k) =>
                    o.TryGetProperty(k, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String
                        ? v.GetString()!
                        : throw new DataFormatException(path, line, $"missing string key '{k}'");
                string? answer =
                    o.TryGetProperty("answer", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.String
                        ? a.GetString()
                        : null;
                result.Add((Get("prompt"), Get("subject"), answer));
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new DataFormatException(path, line, $"malformed JSON: {e.Message}", e);
            }
        }
        return result;
    }
}
