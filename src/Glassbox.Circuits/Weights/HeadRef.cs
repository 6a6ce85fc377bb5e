using System.Globalization;
using Glassbox.Models;

namespace Glassbox.Circuits.Weights;

/// <summary>An attention head, written "L1H3" (see <see cref="HeadName"/> for the spellings accepted on input).</summary>
/// <param name="Layer">Block index.</param>
/// <param name="Head">Head index within the block.</param>
public sealed record HeadRef(int Layer, int Head)
{
    /// <summary>"L{layer}H{head}".</summary>
    public override string ToString() => HeadName.Format(Layer, Head);

    /// <summary>Parses a head ("L1H3", "L1-H3", "l1h3" or "1.3") and checks it against the model.</summary>
    /// <exception cref="InputException">Malformed, or the layer or head does not exist (the message names the argument).</exception>
    public static HeadRef Parse(string text, ModelConfig c, string argument = "--head")
    {
        var (l, h) = HeadName.Parse(text, argument);
        return new HeadRef(l, h).Check(c, argument);
    }

    /// <summary>Throws <see cref="InputException"/> unless the head exists in a model with config <paramref name="c"/>.</summary>
    public HeadRef Check(ModelConfig c, string argument = "--head")
    {
        if (Layer < 0 || Layer >= c.NLayers)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: head {this} names layer {Layer}, but the model has layers 0..{c.NLayers - 1}"
                )
            );
        if (Head < 0 || Head >= c.NHeads)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: head {this} names head {Head}, but each layer has heads 0..{c.NHeads - 1}"
                )
            );
        return this;
    }
}
