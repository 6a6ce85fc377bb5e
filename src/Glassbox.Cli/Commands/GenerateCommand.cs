using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox generate</c>: greedy or seeded sampling from a causal LM.</summary>
public sealed class GenerateCommand : Command<GenerateCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("-p|--prompt <TEXT>")]
        [Description("Prompt text (BOS is added when the tokenizer has one).")]
        public string? Prompt { get; init; }

        [CommandOption("--token-ids <IDS>")]
        [Description("Prompt as token ids, comma-separated.")]
        public string? TokenIds { get; init; }

        [CommandOption("-n|--max-new-tokens <N>")]
        [Description("Number of tokens to generate. Default 50.")]
        public int MaxNewTokens { get; init; } = 50;

        [CommandOption("--temperature <T>")]
        [Description("0 = greedy (default); > 0 samples.")]
        public double Temperature { get; init; }

        [CommandOption("--top-k <K>")]
        [Description("Sample only from the top K tokens (0 = all).")]
        public int TopK { get; init; }

        [CommandOption("--seed <SEED>")]
        [Description("Sampling seed. Default 42.")]
        public long Seed { get; init; } = 42;

        [CommandOption("--no-cache")]
        [Description(
            "Rerun the whole sequence at every step instead of using the KV cache (slower; same tokens). One prompt per run."
        )]
        public bool NoCache { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.MaxNewTokens < 0)
            throw new InputException("--max-new-tokens must be >= 0");
        if (s.Temperature < 0)
            throw new InputException("--temperature must be >= 0");
        using var model = CliModel.Load(s);
        var prompt = CliModel.Ids(model, s.Prompt ?? (s.TokenIds is null ? "" : null), s.TokenIds);
        var opts = new GenerationOptions
        {
            MaxNewTokens = s.MaxNewTokens,
            Temperature = s.Temperature,
            TopK = s.TopK,
            Seed = s.Seed,
            UseCache = !s.NoCache,
        };
        var ids = CliProgress.Run("generate", s.Json, "tokens", p =>
            TextGenerator.Generate(model, prompt, opts with { Progress = p.Counter })
        );
        string text = model.Tokenizer?.Decode(ids) ?? string.Join(",", ids);
        if (s.Json)
        {
            CliJson.Write(
                "generate",
                model.Name,
                new
                {
                    promptIds = prompt,
                    ids,
                    text,
                },
                RunManifest.For(
                    "generate",
                    model,
                    s.Seed,
                    new Dictionary<string, string>
                    {
                        ["temperature"] = s.Temperature.ToString(CultureInfo.InvariantCulture),
                        ["topK"] = s.TopK.ToString(CultureInfo.InvariantCulture),
                        ["maxNewTokens"] = s.MaxNewTokens.ToString(CultureInfo.InvariantCulture),
                        ["kvCache"] = s.NoCache ? "off" : "on",
                    }
                )
            );
        }
        else
        {
            Show.Markup(
                $"[grey]{model.Name}, {(s.Temperature <= 0 ? "greedy" : string.Create(CultureInfo.InvariantCulture, $"T={s.Temperature}, seed {s.Seed}"))}[/]"
            );
            Console.WriteLine(text);
        }
        return 0;
    }
}
