using Glassbox.Models.Components;
using Glassbox.Tokenization;
using static TorchSharp.torch;

namespace Glassbox.Models;

public sealed partial class HookedTransformer
{
    private readonly LayerStream? _stream;
    private readonly ResidentWeights? _resident;

    /// <summary>Whether the blocks' weights are read from the checkpoint during each forward, one block at a time
    /// (<c>--stream-layers</c>): memory holds the embeddings, the unembedding and one block, for models larger than
    /// RAM, at the price of reading every block's bytes on every forward (docs/scale.md).</summary>
    public bool StreamsLayers => _stream is not null;

    /// <summary>Builds a layer-streaming model: <paramref name="weights"/> hold every non-block weight, and
    /// <paramref name="stream"/> reads block l's weights when the forward reaches it.</summary>
    internal static HookedTransformer CreateStreaming(
        ModelConfig config,
        IReadOnlyDictionary<string, Tensor> weights,
        LayerStream stream,
        ITokenizer? tokenizer,
        string name,
        ScalarType dtype,
        Device? device,
        ModelSource? source
    ) => Build(config, weights, tokenizer, name, dtype, device, source, stream);

    /// <summary>The weights a layer-streaming model holds; a block weight is a clear error, not a missing key (also for
    /// <c>TryGetValue</c> and <c>ContainsKey</c>). Enumerating gives the resident weights only.</summary>
    private sealed class ResidentWeights(Dictionary<string, Tensor> weights) : IReadOnlyDictionary<string, Tensor>
    {
        public Tensor this[string key] =>
            weights.TryGetValue(key, out var t) ? t
            : LayerStream.IsBlockWeight(key) ? throw NotResident(key)
            : throw new KeyNotFoundException(key);

        // A block weight is not absent, only elsewhere: asking whether it exists (an optional bias, say) must not read
        // as "no", or an analysis would silently leave it out.
        private static InputException NotResident(string key) =>
            new(
                $"'{key}' is not in memory: the model streams its layers (--stream-layers), which serves forward passes only; load it without streaming to read block weights"
            );

        public IEnumerable<string> Keys => weights.Keys;

        public IEnumerable<Tensor> Values => weights.Values;

        public int Count => weights.Count;

        public bool ContainsKey(string key) =>
            weights.ContainsKey(key) || (LayerStream.IsBlockWeight(key) ? throw NotResident(key) : false);

        public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value) =>
            weights.TryGetValue(key, out value) || (LayerStream.IsBlockWeight(key) ? throw NotResident(key) : false);

        public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => weights.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
