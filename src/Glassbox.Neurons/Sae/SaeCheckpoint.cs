using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>
/// SAE checkpoints in the SAELens layout: a folder holding <c>cfg.json</c> (<see cref="SaeConfig"/>) and
/// <c>sae_weights.safetensors</c> with exactly the float32 tensors <c>W_enc</c> [d_in, d_sae], <c>b_enc</c> [d_sae],
/// <c>W_dec</c> [d_sae, d_in] and <c>b_dec</c> [d_in]. Saving builds the folder beside the target and swaps it in, so a
/// reader sees the old checkpoint or the new one, never a mix; loading validates everything before returning.
/// </summary>
public static class SaeCheckpoint
{
    /// <summary>The weights file inside a checkpoint folder.</summary>
    public const string WeightsFile = "sae_weights.safetensors";

    private static readonly string[] Names = { "W_enc", "b_enc", "W_dec", "b_dec" };

    /// <summary>Writes <paramref name="sae"/> to the folder <paramref name="dir"/> (created or replaced).</summary>
    /// <exception cref="GlassboxException">The folder cannot be written.</exception>
    public static void Save(SparseAutoencoder sae, string dir)
    {
        ArgumentNullException.ThrowIfNull(sae);
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(parent);
        string temp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        string old = temp + ".old";
        try
        {
            Directory.CreateDirectory(temp);
            SafetensorsWriter.Write(
                Path.Combine(temp, WeightsFile),
                new[] { ("W_enc", sae.WEnc), ("b_enc", sae.BEnc), ("W_dec", sae.WDec), ("b_dec", sae.BDec) },
                new Dictionary<string, string> { ["format"] = "pt" }
            );
            AtomicFile.WriteAllText(Path.Combine(temp, SaeConfig.FileName), sae.Config.ToJson());
            if (Directory.Exists(full))
                Directory.Move(full, old);
            Directory.Move(temp, full);
            if (Directory.Exists(old))
                Directory.Delete(old, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GlassboxException($"cannot write SAE checkpoint '{dir}': {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, true);
        }
    }

    /// <summary>Loads a checkpoint folder after validating it completely: cfg.json fields and values, the weights
    /// file's header, exactly the four tensors (none missing, none extra), float32 dtype as cfg says, shapes against
    /// d_in/d_sae, and finite values.</summary>
    /// <exception cref="ModelFormatException">One line naming the file and the field or tensor at fault.</exception>
    public static SparseAutoencoder Load(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        if (!Directory.Exists(dir))
            throw new ModelFormatException($"{dir}: no such SAE checkpoint folder");
        string cfgPath = Path.Combine(dir, SaeConfig.FileName);
        if (!File.Exists(cfgPath))
            throw new ModelFormatException($"{cfgPath}: missing (an SAE checkpoint folder holds cfg.json)");
        var cfg = SaeConfig.Parse(File.ReadAllBytes(cfgPath), cfgPath);
        string wPath = Path.Combine(dir, WeightsFile);
        if (!File.Exists(wPath))
            throw new ModelFormatException($"{wPath}: missing (an SAE checkpoint folder holds {WeightsFile})");
        using var file = SafetensorsFile.Open(wPath);
        foreach (var name in Names)
            if (!file.Contains(name))
                throw new ModelFormatException($"{wPath}: missing tensor '{name}'");
        foreach (var e in file.Entries)
            if (!Names.Contains(e.Name, StringComparer.Ordinal))
                throw new ModelFormatException(
                    $"{wPath}: unexpected tensor '{e.Name}' (an SAE holds {string.Join(", ", Names)})"
                );
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["W_enc"] = new long[] { cfg.DIn, cfg.DSae },
            ["b_enc"] = new long[] { cfg.DSae },
            ["W_dec"] = new long[] { cfg.DSae, cfg.DIn },
            ["b_dec"] = new long[] { cfg.DIn },
        };
        foreach (var name in Names)
        {
            var e = file.Entry(name);
            if (e.ScalarType != ScalarType.Float32)
                throw new ModelFormatException(
                    $"{wPath}: tensor '{name}' has dtype {e.DType} but cfg.json says dtype float32 (F32)"
                );
            if (!e.Shape.SequenceEqual(expected[name]))
                throw new ModelFormatException(
                    $"{wPath}: tensor '{name}' has shape {e.ShapeText}, expected [{string.Join(", ", expected[name])}] from cfg.json d_in/d_sae"
                );
        }
        var t = new Tensor[4];
        try
        {
            for (int i = 0; i < 4; i++)
            {
                t[i] = file.ReadTensor(Names[i]);
                using var scope = NewDisposeScope();
                if (!t[i].isfinite().all().item<bool>())
                    throw new ModelFormatException(
                        $"{wPath}: tensor '{Names[i]}' holds non-finite values (NaN or ±inf)"
                    );
            }
            return new SparseAutoencoder(cfg, t[0], t[1], t[2], t[3]);
        }
        catch
        {
            foreach (var x in t)
                x?.Dispose();
            throw;
        }
    }

    /// <summary>Checks that <paramref name="sae"/> fits <paramref name="model"/>: its hook exists on the model, has a
    /// unit axis of width d_in, and the SAE was trained on a model of the same name.</summary>
    /// <exception cref="InputException">One line naming the cfg.json field that does not match.</exception>
    public static void CheckFits(SparseAutoencoder sae, HookedTransformer model, string argument = "--sae")
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(model);
        var c = sae.Config;
        if (!string.Equals(c.ModelName, model.Name, StringComparison.OrdinalIgnoreCase))
            throw new InputException(
                $"{argument}: the SAE was trained on model '{c.ModelName}' (cfg.json model_name), not '{model.Name}'"
            );
        long width = SaeHook.Width(model, c.HookName, $"{argument} (cfg.json {SaeConfig.HookNameField})");
        if (width != c.DIn)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: cfg.json d_in is {c.DIn} but {c.HookName} has {width} units on {model.Name}"
                )
            );
        if (HookName.LayerOf(c.HookName) is int l && l != c.HookLayer)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: cfg.json {SaeConfig.HookLayerField} is {c.HookLayer} but {SaeConfig.HookNameField} {c.HookName} is in layer {l}"
                )
            );
    }
}
