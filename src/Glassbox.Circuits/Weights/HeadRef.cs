using System.Globalization;
using Glassbox.Models;

namespace Glassbox.Circuits.Weights;

/// <summary>An attention head, written "layer.head" (e.g. "1.3").</summary>
/// <param name="Layer">Block index.</param>
/// <param name="Head">Head index within the block.</param>
public sealed record HeadRef(int Layer, int Head)
{
    /// <summary>"L{layer}H{head}".</summary>
    public override string ToString() => $"L{Layer}H{Head}";

    /// <summary>Parses "layer.head" and checks it against the model.</summary>
    /// <exception cref="InputException">Malformed, or the layer or head does not exist (the message names the argument).</exception>
    public static HeadRef Parse(string text, ModelConfig c, string argument = "--head")
    {
        var parts = text.Trim().Split('.');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int l) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int h))
            throw new InputException($"{argument}: '{text}' is not a head; write layer.head, e.g. 0.3");
        return new HeadRef(l, h).Check(c, argument);
    }

    /// <summary>Throws <see cref="InputException"/> unless the head exists in a model with config <paramref name="c"/>.</summary>
    public HeadRef Check(ModelConfig c, string argument = "--head")
    {
        if (Layer < 0 || Layer >= c.NLayers)
            throw new InputException(string.Create(CultureInfo.InvariantCulture, $"{argument}: head {Layer}.{Head} names layer {Layer}, but the model has layers 0..{c.NLayers - 1}"));
        if (Head < 0 || Head >= c.NHeads)
            throw new InputException(string.Create(CultureInfo.InvariantCulture, $"{argument}: head {Layer}.{Head} names head {Head}, but each layer has heads 0..{c.NHeads - 1}"));
        return this;
    }
}
