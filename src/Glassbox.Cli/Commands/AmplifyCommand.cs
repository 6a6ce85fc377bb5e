using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Glassbox.Attribution;
using Glassbox.Classification;
using Glassbox.Llm;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox amplify</c>: AMPLIFY few-shot prompts built from a proxy classifier's explanations, evaluated
/// with and without rationales on an LLM (<c>--llm chat</c>), or written to a file to run later (offline).</summary>
public sealed class AmplifyCommand : Command<AmplifyCommand.Settings>
{
    public sealed class Settings : PlacementSettings
    {
        [CommandOption("-m|--model <DIR>")]
        [Description("The proxy: a classifier directory (e.g. written by 'classify train').")]
        public string? Model { get; init; }

        [CommandOption("--pool <DATA>")]
        [Description(
            "Texts to choose few-shot examples from: sst2 (its train split) or a labelled TSV/JSONL file. Default sst2."
        )]
        public string Pool { get; init; } = ClassifierData.Sst2;

        [CommandOption("--tasks <DATA>")]
        [Description("Task inputs: sst2 (its dev split) or a labelled TSV/JSONL file. Default sst2.")]
        public string Tasks { get; init; } = ClassifierData.Sst2;

        [CommandOption("--max-pool <N>")]
        [Description("Seeded random subset of the pool scored by the proxy. Default 500.")]
        public int MaxPool { get; init; } = 500;

        [CommandOption("--max-tasks <N>")]
        [Description("Seeded random subset of the task inputs. Default 100.")]
        public int MaxTasks { get; init; } = 100;

        [CommandOption("--shots <N>")]
        [Description("Few-shot examples, evenly over the classes. Default 8.")]
        public int Shots { get; init; } = 8;

        [CommandOption("--words <N>")]
        [Description("Top-attributed words per rationale. Default 5.")]
        public int Words { get; init; } = 5;

        [CommandOption("--steps <N>")]
        [Description("Integrated-gradients steps of the proxy. Default 16.")]
        public int Steps { get; init; } = 16;

        [CommandOption("--llm <KIND>")]
        [Description(
            "offline (default: write the prompts to --prompts and stop) or chat (an OpenAI-compatible endpoint from GLASSBOX_LLM_ENDPOINT, GLASSBOX_LLM_MODEL, GLASSBOX_LLM_API_KEY or --llm-settings)."
        )]
        public string Llm { get; init; } = "offline";

        [CommandOption("--llm-settings <FILE>")]
        [Description("JSON file: endpoint, model, apiKeyVariable, timeoutSeconds, maxRetries, concurrency.")]
        public string? LlmSettings { get; init; }

        [CommandOption("--llm-cache <DIR>")]
        [Description("Reply cache (a rerun resumes from it). Default out/llm-cache.")]
        public string? LlmCache { get; init; }

        [CommandOption("--prompts <FILE>")]
        [Description("Where the offline run writes the prompts (JSONL). Default out/amplify-prompts.jsonl.")]
        public string? Prompts { get; init; }

        [CommandOption("--report <FILE>")]
        [Description(
            "Also write an HTML report (the shots, their key words and rationales; the accuracies when an LLM answered)."
        )]
        public string? Report { get; init; }

        [CommandOption("--resamples <N>")]
        [Description("Bootstrap resamples of the accuracies. Default 1000.")]
        public int Resamples { get; init; } = 1000;

        [CommandOption("--seed <S>")]
        [Description("Seed of the subsets and bootstraps. Default 0.")]
        public int Seed { get; init; }
    }

    private static readonly JsonSerializerOptions Line = new(ResultJson.Options) { WriteIndented = false };

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Model))
            throw new InputException("-m/--model is required: the proxy classifier directory");
        if (s.Llm is not ("offline" or "chat"))
            throw new InputException($"--llm: '{s.Llm}' is not offline or chat");
        if (s.MaxPool < 1 || s.MaxTasks < 1)
            throw new InputException("--max-pool and --max-tasks must be at least 1");
        var options = new AmplifyOptions
        {
            Shots = s.Shots,
            RationaleWords = s.Words,
            Steps = s.Steps,
            Resamples = s.Resamples,
            Seed = s.Seed,
        };
        ClassifierCheckpoint.ReadHeadConfig(s.Model);
        var llm = s.Llm == "chat" ? LlmSettings.Load(s.LlmSettings) : null; // a bad configuration fails before any work
        GlassboxRuntime.Initialize(s.Threads);
        using var proxy = CliModel.Classifier(s, s.Model);
        var pool = ClassifierData.Take(ClassifierData.ReadForLabels(s.Pool, proxy.Labels, "train"), s.MaxPool, s.Seed);
        var tasks = ClassifierData.Take(ClassifierData.ReadForLabels(s.Tasks, proxy.Labels, "dev"), s.MaxTasks, s.Seed);
        var shots = CliProgress.Run("amplify", s.Json, "steps", _ => AmplifyPrompts.SelectShots(proxy, pool, options));
        var manifest = RunManifest.For(
            "amplify",
            proxy.Encoder,
            s.Seed,
            new Dictionary<string, string>
            {
                ["shots"] = s.Shots.ToString(CultureInfo.InvariantCulture),
                ["words"] = s.Words.ToString(CultureInfo.InvariantCulture),
                ["llm"] = s.Llm,
            }
        ) with
        {
            DataDescription = $"pool: {pool.Description}; tasks: {tasks.Description}",
        };
        if (llm is null)
            return Offline(s, shots, tasks, manifest, proxy.Encoder.Name);
        string cache = s.LlmCache ?? CliPaths.OrDefault(null, "llm-cache");
        Directory.CreateDirectory(cache);
        using var client = llm.CreateClient();
        using var chat = new RobustChat(client, llm.ChatOptions(cache));
        var result = CliProgress.Run("amplify", s.Json, "prompts", p =>
            AmplifyEvaluation
                .RunAsync(chat, shots, tasks, options, p.Counter, cancellationToken)
                .GetAwaiter()
                .GetResult()
        );
        var payload = CliJson.Envelope("amplify", proxy.Encoder.Name, result, manifest);
        string note = string.Create(
            CultureInfo.InvariantCulture,
            $"{result.Tasks} task inputs answered by {llm.Model}: accuracy with rationales {result.WithRationales}, without {result.WithoutRationales}, difference {result.Difference}."
        );
        ProbeOutput.Write(payload, null, s.Report, $"Glassbox AMPLIFY: {s.Model}", r =>
            AmplifyReport.Add(r, shots, result, note, Reproduce(s))
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        PrintShots(shots);
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{result.Tasks} task inputs: accuracy with rationales {result.WithRationales}, without {result.WithoutRationales}, difference {result.Difference}; unreadable replies {result.Unreadable["rationales"]} / {result.Unreadable["plain"]}; {result.Calls} calls, {result.CacheHits} from the cache."
            )
        );
        return 0;
    }

    private static int Offline(
        Settings s,
        IReadOnlyList<AmplifyShot> shots,
        LabeledTextSet tasks,
        RunManifest manifest,
        string model
    )
    {
        var prompts = AmplifyEvaluation.Prompts(shots, tasks);
        string file = s.Prompts ?? CliPaths.OrDefault(null, "amplify-prompts.jsonl");
        var lines = prompts.Select(p => JsonSerializer.Serialize(p, Line));
        AtomicFile.WriteAllText(file, string.Join("\n", lines) + "\n");
        var summary = new
        {
            Shots = shots,
            Prompts = prompts.Count,
            File = file,
            Next = "set GLASSBOX_LLM_ENDPOINT and GLASSBOX_LLM_MODEL (or --llm-settings) and rerun with --llm chat",
        };
        var payload = CliJson.Envelope("amplify", model, summary, manifest);
        ProbeOutput.Write(payload, null, s.Report, $"Glassbox AMPLIFY: {s.Model}", r =>
            AmplifyReport.Add(
                r,
                shots,
                null,
                $"No LLM configured: {prompts.Count} prompts written to {file}; to evaluate them, {summary.Next}.",
                Reproduce(s)
            )
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        PrintShots(shots);
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"No LLM configured (--llm offline): wrote {prompts.Count} prompts ({tasks.Rows.Count} inputs, with and without rationales) to {file}. To evaluate them, {summary.Next}."
            )
        );
        return 0;
    }

    private static string Reproduce(Settings s) =>
        $"glassbox amplify -m {s.Model} --pool {s.Pool} --tasks {s.Tasks} --shots {s.Shots.ToString(CultureInfo.InvariantCulture)} --llm {s.Llm}";

    private static void PrintShots(IReadOnlyList<AmplifyShot> shots)
    {
        var t = Show.Titled(
            "Few-shot examples the proxy gets most confidently wrong",
            "label",
            "MCS",
            "text",
            "rationale"
        );
        foreach (var x in shots)
            t.Row(x.Label, x.Mcs.ToString("F3", CultureInfo.InvariantCulture), x.Text, x.Rationale);
        Show.Write(t);
    }
}
