using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox info</c>: config, parameter counts and hook points of a model.</summary>
public sealed class InfoCommand : Command<ModelSettings>
{
    public override int Execute(CommandContext context, ModelSettings settings, CancellationToken cancellationToken)
    {
        using var model = CliModel.Load(settings);
        var info = ModelInfo.Of(model);
        if (settings.Json)
        {
            CliJson.Write("info", model.Name, info, RunManifest.For("info", model));
            return 0;
        }
        var cfg = Show.Titled(model.Name).Columns("field", "value");
        foreach (var (k, v) in info.Config)
            cfg.Row(k, v);
        Show.Write(cfg);
        var pc = Show.Table("component", "parameters");
        foreach (var (k, v) in info.ParameterCounts)
            pc.Row(k, v.ToString("N0", CultureInfo.InvariantCulture));
        Show.Write(pc);
        var hooks = Show.Table("hook", "shape");
        foreach (var h in info.Hooks.Where(h => h.Layer is null or 0))
            hooks.Row(h.Name, h.Shape);
        Show.Write(hooks);
        Show.Markup(
            $"{info.Hooks.Count} hook points in all (block hooks repeat for layers 0..{model.Config.NLayers - 1}; --json lists every one)."
        );
        return 0;
    }
}
