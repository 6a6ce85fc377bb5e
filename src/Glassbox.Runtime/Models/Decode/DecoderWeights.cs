// Plain float copies of a small causal model's weights, for the managed decoder (NativeDecoder.cs). Why our own
// decode loop: on a model as small as stories260K (d_model 64) a libtorch op costs more in dispatch than in
// arithmetic (about 300 ops per generated token), so one token took ~1.5-2 ms through TorchSharp against ~0.2 ms for
// llama2.c; the same arithmetic in one managed loop is measured in docs/benchmarks.md. Copies are made per generation
// call, never cached on the model, so weights changed in place (training) are always seen.
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Decode;

/// <summary>One block's weights as row-major float arrays ([out, in], like <c>nn.functional.linear</c>); absent
/// parameters are null.</summary>
internal sealed record DecoderBlock(
    float[]? Ln1W,
    float[]? Ln1B,
    float[]? Ln2W,
    float[]? Ln2B,
    float[] Wq,
    float[] Wk,
    float[] Wv,
    float[] Wo,
    float[]? Bq,
    float[]? Bk,
    float[]? Bv,
    float[]? Bo,
    float[]? WIn,
    float[]? WGate,
    float[]? WOut,
    float[]? BIn,
    float[]? BGate,
    float[]? BOut
);

/// <summary>The weights the managed decoder needs, copied out of a <see cref="HookedTransformer"/>.</summary>
public sealed class DecoderWeights
{
    /// <summary>Largest model (parameters) the managed decoder takes: above it the GEMMs dominate and libtorch's
    /// kernels win, and the float copy would cost memory.</summary>
    public const long MaxParameters = 64_000_000;

    private DecoderWeights(ModelConfig config, DecoderBlock[] blocks, Dictionary<string, float[]> ends)
    {
        Config = config;
        Blocks = blocks;
        Embed = ends["embed.W_E"];
        PosEmbed = ends.GetValueOrDefault("pos_embed.W_pos");
        FinalW = ends.GetValueOrDefault("ln_final.w");
        FinalB = ends.GetValueOrDefault("ln_final.b");
        Unembed = config.TiedEmbeddings ? Embed : ends["unembed.W_U"];
        UnembedB = ends.GetValueOrDefault("unembed.b_U");
    }

    /// <summary>The model's configuration.</summary>
    public ModelConfig Config { get; }
    internal DecoderBlock[] Blocks { get; }
    internal float[] Embed { get; } // [d_vocab, d_model]
    internal float[]? PosEmbed { get; } // [n_ctx, d_model]
    internal float[]? FinalW { get; }
    internal float[]? FinalB { get; }
    internal float[] Unembed { get; } // [d_vocab, d_model]
    internal float[]? UnembedB { get; }

    /// <summary>Why <paramref name="model"/> cannot use the managed decoder, or null when it can.</summary>
    public static string? Unsupported(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = model.Config;
        if (!c.Causal || !c.HasUnembed)
            return "not a causal language model";
        if (model.Device.type != DeviceType.CPU)
            return "the model is not on the CPU";
        if (model.StreamsLayers)
            return "the model streams its layers (the managed decoder copies every weight)";
        if (model.Weights.Values.Any(t => t.dtype != ScalarType.Float32))
            return "the weights are not float32";
        if (model.ParameterCount > MaxParameters)
            return string.Create(
                CultureInfo.InvariantCulture,
                $"more than {MaxParameters} parameters (libtorch's GEMMs are faster there)"
            );
        if (c.PostNorm || c.EmbedNorm || c.NTokenTypes > 0)
            return "post-norm, embedding-norm or token-type models are not covered";
        return null;
    }

    /// <summary>Copies the weights of <paramref name="model"/> (check <see cref="Unsupported"/> first).</summary>
    public static DecoderWeights From(HookedTransformer model)
    {
        var w = model.Weights;
        float[]? Get(string key)
        {
            if (!w.TryGetValue(key, out var t))
                return null;
            using var scope = NewDisposeScope();
            return t.detach().contiguous().data<float>().ToArray();
        }
        var blocks = new DecoderBlock[model.Config.NLayers];
        for (int l = 0; l < blocks.Length; l++)
        {
            string p = string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.");
            blocks[l] = new DecoderBlock(
                Get(p + "ln1.w"),
                Get(p + "ln1.b"),
                Get(p + "ln2.w"),
                Get(p + "ln2.b"),
                Get(p + "attn.W_Q")!,
                Get(p + "attn.W_K")!,
                Get(p + "attn.W_V")!,
                Get(p + "attn.W_O")!,
                Get(p + "attn.b_Q"),
                Get(p + "attn.b_K"),
                Get(p + "attn.b_V"),
                Get(p + "attn.b_O"),
                Get(p + "mlp.W_in"),
                Get(p + "mlp.W_gate"),
                Get(p + "mlp.W_out"),
                Get(p + "mlp.b_in"),
                Get(p + "mlp.b_gate"),
                Get(p + "mlp.b_out")
            );
        }
        var ends = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (
            var k in new[] { "embed.W_E", "pos_embed.W_pos", "ln_final.w", "ln_final.b", "unembed.W_U", "unembed.b_U" }
        )
            if (Get(k) is { } a)
                ends[k] = a;
        return new DecoderWeights(model.Config, blocks, ends);
    }
}
