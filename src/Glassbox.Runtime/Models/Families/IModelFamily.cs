using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glassbox.Models.Families;

/// <summary>
/// A model family described as data: how its Hugging Face <c>config.json</c> maps onto <see cref="ModelConfig"/> and
/// how its checkpoint keys map onto the canonical names of <see cref="ParameterLayout"/>.
/// </summary>
public interface IModelFamily
{
    /// <summary>Family name, e.g. "gpt2".</summary>
    string Name { get; }

    /// <summary>The config.json <c>model_type</c> values this family reads, e.g. "llama", "mistral", "qwen2".</summary>
    IReadOnlyList<string> HfModelTypes { get; }

    /// <summary>The config.json <c>architectures</c> class names this family reads, e.g. "GPT2LMHeadModel".</summary>
    IReadOnlyList<string> HfArchitectures { get; }

    /// <summary>Prefixes a checkpoint key may carry before the keys of <see cref="WeightKeys"/>, e.g. "transformer.".</summary>
    IReadOnlyList<string> OptionalKeyPrefixes { get; }

    /// <summary>Reads and validates a config.json object.</summary>
    /// <param name="configJson">The parsed config.json root.</param>
    /// <param name="sourceForErrors">File name used in error messages.</param>
    /// <returns>A validated config whose <see cref="ModelConfig.Architecture"/> is the <c>model_type</c> read.</returns>
    /// <exception cref="ConfigException">A required field is missing, a field has the wrong type or value, or a feature is unsupported.</exception>
    ModelConfig ReadConfig(JsonElement configJson, string sourceForErrors);

    /// <summary>Writes a config.json object (with <c>model_type</c> and <c>architectures</c>) that <see cref="ReadConfig"/> reads back.</summary>
    /// <param name="c">The config.</param>
    /// <returns>The JSON object.</returns>
    JsonObject WriteConfig(ModelConfig c);

    /// <summary>Every checkpoint key of a model with config <paramref name="c"/> and the canonical parameters it feeds.</summary>
    /// <param name="c">The config.</param>
    /// <returns>The key map; together the keys feed every name of <see cref="ParameterLayout.For"/> exactly once.</returns>
    IReadOnlyList<WeightKey> WeightKeys(ModelConfig c);

    /// <summary>Whether an unmapped checkpoint key (prefix removed) is a known buffer or head that is skipped, not an error.</summary>
    /// <param name="hfKey">The key.</param>
    /// <param name="c">The config (e.g. a tied <c>lm_head.weight</c> is ignored only when embeddings are tied).</param>
    /// <returns>True to skip the key silently.</returns>
    bool IsIgnoredKey(string hfKey, ModelConfig c);
}
