using System.Globalization;
using Glassbox.Loading;
using Glassbox.Models;
using Spectre.Console;

namespace Glassbox.Cli.Commands;

/// <summary>Loads the model a command names, with a status spinner for people and silence for --json.</summary>
internal static class CliModel
{
    public static HookedTransformer Load(ModelSettings s) => Load(s, s.Model, s.Tokenizer);

    /// <summary>Loads another model a command names (e.g. <c>--with</c>), with the same spinner and threads.</summary>
    public static HookedTransformer Load(OutputSettings s, string spec, string? tokenizer)
    {
        GlassboxRuntime.Initialize(s.Threads);
        var at = PlacementOf(s);
        bool stream = s is ModelSettings { StreamLayers: true };
        bool map = s is ModelSettings { Mmap: true };
        if (s.Json || Console.IsOutputRedirected)
            return ModelLoader.Load(spec, tokenizer, at.DType, at.Device, stream, map);
        HookedTransformer? model = null;
        Show.Console.Status()
            .Start(Show.Status($"Loading {spec}..."), _ =>
                model = ModelLoader.Load(spec, tokenizer, at.DType, at.Device, stream, map)
            );
        return model!;
    }

    /// <summary>Loads a classifier directory at the command's --dtype and --device.</summary>
    public static Glassbox.Classification.SequenceClassifier Classifier(OutputSettings s, string dir)
    {
        GlassboxRuntime.Initialize(s.Threads);
        var at = PlacementOf(s);
        return Glassbox.Classification.ClassifierCheckpoint.Load(dir, at.Device, at.DType);
    }

    /// <summary>Refuses a float16/bfloat16 --dtype for a command that trains weights (training runs in float32; mixed
    /// precision is not implemented), so the option is never silently ignored.</summary>
    public static void RequireFloat32ForTraining(OutputSettings s, string command)
    {
        var at = PlacementOf(s);
        if (at.DType != TorchSharp.torch.ScalarType.Float32)
            throw new InputException(
                $"--dtype {at.DTypeName}: {command} trains in float32 (mixed-precision training is not implemented)"
            );
    }

    /// <summary>The --dtype and --device of a command (float32 on the CPU for commands without them).</summary>
    public static Placement PlacementOf(OutputSettings s) =>
        s is PlacementSettings p ? Placement.Parse(p.DType, p.Device) : Placement.Default;

    /// <summary>Token ids from a text option (tokenized) or an ids option ("1,2,3"); the option names go into the
    /// error messages (--text / --token-ids by default, --clean / --clean-ids for patching, ...).</summary>
    public static IReadOnlyList<int> Ids(
        HookedTransformer model,
        string? text,
        string? tokenIds,
        bool addSpecial = true,
        string textOption = "--text",
        string idsOption = "--token-ids"
    )
    {
        if (text is not null && tokenIds is not null)
            throw new InputException($"give either {textOption} or {idsOption}, not both");
        if (tokenIds is not null)
            return ParseIds(tokenIds, idsOption);
        if (text is null)
            throw new InputException($"give {textOption} or {idsOption}");
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} has no tokenizer; use {idsOption} (or --tokenizer)");
        return model.Tokenizer.Encode(text, addSpecial).Ids;
    }

    public static IReadOnlyList<int> ParseIds(string s, string option = "--token-ids")
    {
        var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
            throw new InputException($"{option} is empty");
        return parts
            .Select(p =>
                int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
                : System.Numerics.BigInteger.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                    ? throw new InputException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{option}: token id '{p}' is out of range (token ids are 0..{int.MaxValue}, and below the vocabulary size)"
                        )
                    )
                : throw new InputException($"{option}: '{p}' is not an integer")
            )
            .ToList();
    }

    public static string Tok(HookedTransformer m, int id) =>
        m.Tokenizer?.TokenToString(id) ?? id.ToString(CultureInfo.InvariantCulture);
}
