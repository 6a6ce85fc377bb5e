using Glassbox.Models;
using Glassbox.Tokenization;

namespace Glassbox.Loading;

/// <summary>Exports a loaded model as a Hugging Face style directory (config.json, model.safetensors and the
/// tokenizer's files) that <see cref="ModelLoader.Load"/> reads back to an identical model.</summary>
public static class ModelExport
{
    /// <summary>Writes the model to <paramref name="dir"/> (created if needed); every file is written atomically.</summary>
    /// <exception cref="ConfigException">The model's family cannot express its config.</exception>
    public static void Export(HookedTransformer model, string dir)
    {
        Directory.CreateDirectory(dir);
        HfExporter.Export(model.Config, model.Weights, dir);
        switch (model.Tokenizer)
        {
            case WordPieceTokenizer wp:
                wp.Save(dir);
                break;
            case Llama2cTokenizer l2:
                l2.Save(Path.Combine(dir, "tokenizer.bin"));
                break;
            case ByteLevelBpeTokenizer bpe:
                bpe.Save(dir);
                break;
            case null:
                break;
            default:
                throw new GlassboxException($"cannot export a tokenizer of type {model.Tokenizer.GetType().Name}");
        }
    }
}
