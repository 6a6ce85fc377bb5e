using System.Globalization;
using System.Text;
using Glassbox.Classification;
using Glassbox.Concepts;
using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Cli.Commands;

/// <summary>Argument parsing shared by the concepts commands: concepts, targets, inputs and hooks.</summary>
internal static class ConceptsCli
{
    /// <summary>A built-in concept or a concept file.</summary>
    public static ConceptSet LoadConcept(string spec, string? data, int min = ConceptSet.DefaultMinExamples) =>
        BuiltInConcepts.IsBuiltIn(spec) && !File.Exists(spec)
            ? BuiltInConcepts.Load(spec, data).Require(Math.Min(min, ConceptSet.DefaultMinExamples))
            : ConceptSet.FromFile(spec, ConceptSet.DefaultMinExamples);

    /// <summary>"A:B" → indices of A and B among the --concept values.</summary>
    public static (int A, int B) Pair(string spec, IReadOnlyList<string> concepts)
    {
        var parts = spec.Split(':');
        int Find(string n) =>
            concepts
                .ToList()
                .FindIndex(c =>
                    string.Equals(c, n, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(Path.GetFileNameWithoutExtension(c), n, StringComparison.OrdinalIgnoreCase)
                )
                is var i
                    and >= 0
                ? i
                : throw new InputException($"--relative: '{n}' is not one of the --concept values");
        if (parts.Length != 2)
            throw new InputException($"--relative: expected A:B, got '{spec}'");
        return (Find(parts[0]), Find(parts[1]));
    }

    /// <summary>Non-empty trimmed lines of a UTF-8 file.</summary>
    public static List<string> Lines(string path, string option)
    {
        if (!File.Exists(path))
            throw new InputException($"{option}: file '{path}' not found");
        try
        {
            return new UTF8Encoding(false, true)
                .GetString(File.ReadAllBytes(path))
                .Split('\n')
                .Select(l => l.Trim())
                .Where(l => l.Length > 0)
                .ToList();
        }
        catch (DecoderFallbackException)
        {
            throw new InputException($"{option}: '{path}' is not valid UTF-8");
        }
    }

    /// <summary>The targets: for a classifier, each class named in --target (comma-separated; default all) with
    /// --inputs or the built-in <c>sst2-dev</c> (dev sentences of that class); for a language model, --target
    /// TOKEN[,TOKEN] with --inputs.</summary>
    public static List<TcavTargetInputs> Targets(
        HookedTransformer model,
        SequenceClassifier? classifier,
        string? target,
        string? inputs,
        int max,
        string? data
    )
    {
        if (classifier is not null)
        {
            var names = target?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                ?? classifier.Labels.ToArray();
            var list = new List<TcavTargetInputs>();
            foreach (var name in names)
            {
                var t = new ClassifierLogitTarget(classifier, name);
                list.Add(new(t, Inputs(inputs, max, data, t.Label, classifier.LabelCount)));
            }
            return list;
        }
        if (target is null)
            throw new InputException("--target is required: TOKEN or TOKEN,TOKEN for a language model");
        return new List<TcavTargetInputs>
        {
            new(LmLogitDifferenceTarget.Parse(model, target), Inputs(inputs, max, data, null, 0)),
        };
    }

    private static List<string> Inputs(string? inputs, int max, string? data, int? label, int labels)
    {
        if (inputs is null)
            throw new InputException(
                "--inputs is required: a file with one text per line, or sst2-dev for a classifier"
            );
        List<string> texts;
        if (inputs == "sst2-dev" && !File.Exists(inputs))
        {
            if (label is null || labels != 2)
                throw new InputException("--inputs sst2-dev needs a two-class classifier (SST-2 labels 0 and 1)");
            string path = BuiltInConcepts.Find(data, "sst2", "dev.tsv")
                ?? throw new InputException("--inputs sst2-dev: sst2/dev.tsv is not in the shared data folder");
            texts = BuiltInConcepts.Sst2(path).Where(r => r.Label == label).Select(r => r.Text).Take(max).ToList();
        }
        else
            texts = Lines(inputs, "--inputs").Take(max).ToList();
        if (texts.Count == 0)
            throw new InputException($"--inputs: '{inputs}' has no texts");
        return texts;
    }

    /// <summary>Hook names for --layers and --hook (a block hook's short name such as resid_post).</summary>
    public static List<string> Hooks(ModelConfig c, string? layers, string hook)
    {
        var point = HookPoints.All.FirstOrDefault(p =>
            p.Scope == HookScope.Block && p.ShortName == hook && p.IsPresent(c)
        )
            ?? throw new InputException(
                $"--hook: '{hook}' is not a block hook point of this model (e.g. resid_post, resid_pre, attn_out, mlp_out)"
            );
        return ParseLayers(layers, c.NLayers).Select(l => point.Name(l)).ToList();
    }

    private static List<int> ParseLayers(string? spec, int n)
    {
        if (spec is null or "all")
            return Enumerable.Range(0, n).ToList();
        var list = new List<int>();
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            if (
                ends.Length is < 1 or > 2
                || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            )
                throw new InputException($"--layers: '{part}' is not a layer or range (e.g. 0,2,4 or 1-3)");
            int a = int.Parse(ends[0], CultureInfo.InvariantCulture),
                b = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (a > b || b >= n)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"--layers: '{part}' is outside 0..{n - 1}")
                );
            list.AddRange(Enumerable.Range(a, b - a + 1));
        }
        return list.Distinct().ToList();
    }
}
