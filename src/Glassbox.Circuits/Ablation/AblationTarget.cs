using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Circuits.Ablation;

/// <summary>What an ablation removes.</summary>
public enum ComponentKind
{
    /// <summary>One attention head (its <c>attn.hook_z</c> slice).</summary>
    Head,

    /// <summary>One MLP neuron (its <c>mlp.hook_post</c> entry).</summary>
    Neuron,

    /// <summary>A whole attention layer output (<c>hook_attn_out</c>).</summary>
    Attn,

    /// <summary>A whole MLP layer output (<c>hook_mlp_out</c>).</summary>
    Mlp,
}

/// <summary>A model component to ablate, written "head:L1H3", "neuron:0.17", "attn:1" or "mlp:0".</summary>
/// <param name="Kind">Component kind.</param>
/// <param name="Layer">Block index.</param>
/// <param name="Index">Head or neuron index (-1 for whole layers).</param>
public sealed record AblationTarget(ComponentKind Kind, int Layer, int Index)
{
    /// <summary>The hook the ablation replaces.</summary>
    public string HookPoint =>
        Kind switch
        {
            ComponentKind.Head => HookPoints.AttnZ.Name(Layer),
            ComponentKind.Neuron => HookPoints.MlpPost.Name(Layer),
            ComponentKind.Attn => HookName.AttnOut(Layer),
            _ => HookName.MlpOut(Layer),
        };

    /// <summary>"head:L1H3", "neuron:0.17", "attn:1", "mlp:0".</summary>
    public override string ToString() =>
        Kind switch
        {
            ComponentKind.Head => "head:" + HeadName.Format(Layer, Index),
            ComponentKind.Neuron => $"neuron:{Layer}.{Index}",
            ComponentKind.Attn => $"attn:{Layer}",
            _ => $"mlp:{Layer}",
        };

    /// <summary>Parses a target and checks it against the model.</summary>
    /// <exception cref="InputException">Malformed or out of range (the message names the argument).</exception>
    public static AblationTarget Parse(string text, ModelConfig c, string argument = "--ablate")
    {
        var colon = text.Split(':', 2);
        if (colon.Length != 2)
            throw new InputException(
                $"{argument}: '{text}' is not a component; write head:L1H3, neuron:L.N, attn:L or mlp:L"
            );
        string kind = colon[0].Trim().ToLowerInvariant(),
            rest = colon[1].Trim();
        switch (kind)
        {
            case "head":
                var h = Weights.HeadRef.Parse(rest, c, argument);
                return new AblationTarget(ComponentKind.Head, h.Layer, h.Head);
            case "neuron":
                var n = Memories.NeuronRef.Parse(rest, c, argument);
                return new AblationTarget(ComponentKind.Neuron, n.Layer, n.Index);
            case "attn" or "mlp":
                if (!int.TryParse(rest, CultureInfo.InvariantCulture, out int l))
                    throw new InputException($"{argument}: '{text}': layer '{rest}' is not an integer");
                if (l < 0 || l >= c.NLayers)
                    throw new InputException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{argument}: '{text}' names layer {l}, but the model has layers 0..{c.NLayers - 1}"
                        )
                    );
                if (kind == "mlp" && !c.HasMlp)
                    throw new InputException($"{argument}: the model has no MLP layers");
                return new AblationTarget(kind == "attn" ? ComponentKind.Attn : ComponentKind.Mlp, l, -1);
            default:
                throw new InputException(
                    $"{argument}: unknown component kind '{kind}' in '{text}'; use head, neuron, attn or mlp"
                );
        }
    }
}

/// <summary>A metric (e.g. a loss) came out NaN or infinite, so the analysis cannot be trusted.</summary>
public sealed class MetricException : GlassboxException
{
    /// <inheritdoc cref="GlassboxException(string, Exception?)"/>
    public MetricException(string message, Exception? inner = null)
        : base(message, inner) { }
}
