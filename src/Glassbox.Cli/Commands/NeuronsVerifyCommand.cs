using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Neurons;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons verify</c>: re-check a saved ranking (<c>neurons rank -o r.json</c>) on other data, e.g. a
/// held-out treebank, with the same restricted probes, control task and ablations.</summary>
public sealed class NeuronsVerifyCommand : Command<NeuronsVerifyCommand.Settings>
{
    public sealed class Settings : NeuronsRankSettings
    {
        [CommandOption("--ranking <FILE>")]
        [Description("JSON result of 'glassbox neurons rank -o FILE' (its hook, task and unit order are used).")]
        public string Ranking { get; init; } = "";

        [CommandOption("--method <METHOD>")]
        [Description("Which of the file's rankings to verify (e.g. probe). Default: the first.")]
        public string? Method { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(s.Ranking))
            throw new InputException("--ranking FILE is required (the JSON of 'glassbox neurons rank -o FILE')");
        var saved = SavedRanking.Read(s.Ranking, s.Method);
        if (!string.Equals(saved.Task, s.Task, StringComparison.Ordinal))
            throw new InputException($"{s.Ranking}: the ranking is for --task {saved.Task}, not {s.Task}");
        var verification = s.Verification();
        var label = s.Label();
        var (train, test, description, files) = s.LoadSentences();
        using var model = CliModel.Load(s);
        if (!string.Equals(saved.Model, model.Name, StringComparison.Ordinal))
            throw new InputException($"{s.Ranking}: the ranking was made on model {saved.Model}, not {model.Name}");
        HookName.Require(saved.Hook, model.HookNames);
        var lm = NeuronsCli.LmSequences(model, s.Corpus, s.LmTexts);
        var result = CliProgress.Run("neurons verify", s.Json, "sentences", p =>
        {
            p.Reporter("extracting unit activations");
            using var data = LabelledUnits.FromTreebank(model, train, test, saved.Hook, label, progress: p.Counter);
            if (saved.Order.Length != data.Units || saved.Order.Order().Where((u, i) => u != i).Any())
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{s.Ranking}: field 'order' must list each of the {data.Units} units of {saved.Hook} once"
                    )
                );
            var ranking = new UnitRanking(
                saved.Hook,
                saved.Method,
                saved.Order,
                new double[data.Units],
                Enumerable.Repeat(-1, data.Units).ToArray(),
                data.Classes,
                "verified from " + Path.GetFileName(s.Ranking)
            );
            var v = UnitVerification.Verify(data, ranking, verification, p.Reporter);
            var lmPoints = lm is null
                ? null
                : LmAblation.Measure(model, ranking, lm, [10, 50], verification.Ablations, s.Draws, s.Seed, p.Reporter);
            return new RankingExperimentResult(
                saved.Hook,
                s.Task,
                data.Classes,
                data.TrainLabels.Length,
                data.TestLabels.Length,
                [new MethodRanking(saved.Method, ranking.Note, [], saved.Order, v, lmPoints)],
                new Dictionary<string, double>()
            );
        });
        var manifest = RunManifest.For(
            "neurons verify",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["ranking"] = s.Ranking,
                ["hook"] = saved.Hook,
                ["task"] = s.Task,
                ["ks"] = s.Ks,
            }
        ) with
        {
            Data = files,
            DataDescription = description,
        };
        var payload = CliJson.Envelope("neurons verify", model.Name, result, manifest);
        ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox neurons: {model.Name}", r =>
            RankingReport.Add(r, result, model.Name, $"glassbox neurons verify -m {s.Model} --ranking {s.Ranking}")
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        NeuronsCli.PrintRanking(result, description);
        foreach (var f in new[] { s.Out, s.Report }.OfType<string>())
            Show.Wrote(f);
        return 0;
    }

    /// <summary>The parts of a saved <c>neurons rank</c> result that verification needs.</summary>
    private sealed record SavedRanking(string Model, string Hook, string Task, RankingMethod Method, int[] Order)
    {
        public static SavedRanking Read(string path, string? method)
        {
            if (!File.Exists(path))
                throw new InputException($"--ranking: file '{path}' does not exist");
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 64 });
            }
            catch (JsonException e)
            {
                throw new InputException($"{path}: not JSON ({e.Message})");
            }
            using (doc)
            {
                var root = doc.RootElement;
                string Text(JsonElement e, string name) =>
                    e.ValueKind == JsonValueKind.Object
                    && e.TryGetProperty(name, out var v)
                    && v.ValueKind == JsonValueKind.String
                        ? v.GetString()!
                        : throw new InputException($"{path}: field '{name}' is missing or not a string");
                if (Text(root, "command") != "neurons rank")
                    throw new InputException($"{path}: field 'command' is not 'neurons rank'");
                if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
                    throw new InputException($"{path}: field 'result' is missing");
                if (!result.TryGetProperty("methods", out var methods) || methods.ValueKind != JsonValueKind.Array)
                    throw new InputException($"{path}: field 'methods' is missing or not a list");
                var chosen = methods
                    .EnumerateArray()
                    .FirstOrDefault(m =>
                        method is null || string.Equals(Text(m, "method"), method, StringComparison.OrdinalIgnoreCase)
                    );
                if (chosen.ValueKind != JsonValueKind.Object)
                    throw new InputException($"{path}: no ranking with method '{method ?? "(any)"}'");
                if (!Enum.TryParse<RankingMethod>(Text(chosen, "method"), true, out var m))
                    throw new InputException($"{path}: field 'method' is not a ranking method");
                if (!chosen.TryGetProperty("order", out var order) || order.ValueKind != JsonValueKind.Array)
                    throw new InputException($"{path}: field 'order' is missing or not a list");
                var units = order
                    .EnumerateArray()
                    .Select(e =>
                        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int u) && u >= 0
                            ? u
                            : throw new InputException($"{path}: field 'order' holds something other than unit indices")
                    )
                    .ToArray();
                return new SavedRanking(Text(root, "model"), Text(result, "hook"), Text(result, "task"), m, units);
            }
        }
    }
}
