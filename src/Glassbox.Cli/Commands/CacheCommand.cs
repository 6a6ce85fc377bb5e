using System.ComponentModel;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox cache</c>: save activations matching hook globs, plus the model output as <c>output</c>.</summary>
public sealed class CacheCommand : Command<CacheCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("-t|--text <TEXT>")]
        [Description("Input text.")]
        public string? Text { get; init; }

        [CommandOption("--token-ids <IDS>")]
        [Description("Input token ids, comma-separated.")]
        public string? TokenIds { get; init; }

        [CommandOption("--hooks <GLOBS>")]
        [Description("Comma-separated hook names or globs, e.g. '" + HookName.GlobExample + "'. Default: all.")]
        public string Hooks { get; init; } = "*";

        [CommandOption("-o|--out <FILE>")]
        [Description("Output .safetensors file.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Out))
            throw new InputException("--out is required (a .safetensors file)");
        using var model = CliModel.Load(s);
        var globs = s.Hooks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var g in globs)
            if (!model.HookNames.Any(n => HookName.Matches(g, n)))
                HookName.Require(g, model.HookNames);
        var ids = CliModel.Ids(model, s.Text, s.TokenIds);
        using var batch = TokenBatch.Single(ids, model.Device);
        using var run = model.RunWithCache(batch, n => globs.Any(g => HookName.Matches(g, n)));
        var tokens = ids.Select(i => CliModel.Tok(model, i)).ToList();
        var manifest = RunManifest.For("cache", model, options: new Dictionary<string, string> { ["hooks"] = s.Hooks });
        run.Cache.Save(
            s.Out,
            run.Output,
            new Dictionary<string, string>
            {
                ["glassbox_manifest"] = ResultJson.Serialize(manifest),
                ["token_ids"] = string.Join(",", ids),
            }
        );
        var shapes = run
            .Cache.Shapes()
            .Select(x => new { name = x.Name, shape = x.Shape })
            .Append(new { name = HookName.Output, shape = run.Output.shape })
            .ToList();
        if (s.Json)
            CliJson.Write(
                "cache",
                model.Name,
                new
                {
                    file = Path.GetFullPath(s.Out),
                    tokens,
                    tensors = shapes,
                },
                manifest
            );
        else
        {
            var t = Show.Table("tensor", "shape");
            foreach (var x in shapes)
                t.Row(x.name, "[" + string.Join(", ", x.shape) + "]");
            Show.Write(t);
            Show.Markup($"Wrote {shapes.Count} tensors to [bold]{s.Out}[/].");
        }
        return 0;
    }
}
