using Glassbox.Models;
using Glassbox.Models.Components;

namespace Glassbox.Models.Encode;

/// <summary>The packed forms of one block's four products, made on the block's first managed forward and kept with
/// its weights (<see cref="BlockWeights.Derived"/>), which dispose them.</summary>
internal sealed class EncoderPacks : IDisposable
{
    private EncoderPacks(BlockWeights w, bool pack)
    {
        if (!pack)
            return;
        Qkv = PackedLinear.For(w.W_QKV);
        O = PackedLinear.For(w.W_O);
        In = PackedLinear.For(w.W_in);
        Out = PackedLinear.For(w.W_out);
    }

    public PackedLinear? Qkv { get; }
    public PackedLinear? O { get; }
    public PackedLinear? In { get; }
    public PackedLinear? Out { get; }

    /// <summary>The packs of <paramref name="w"/>, a block of <paramref name="model"/>, made on first use (none for a model
    /// above <see cref="PackedLinear.MaxParameters"/>).</summary>
    public static EncoderPacks Of(BlockWeights w, HookedTransformer model)
    {
        if (Volatile.Read(ref w.Derived) is EncoderPacks packs)
            return packs;
        lock (w)
        {
            if (w.Derived is not EncoderPacks made)
            {
                w.Derived?.Dispose();
                made = new EncoderPacks(w, model.ParameterCount <= PackedLinear.MaxParameters);
                Volatile.Write(ref w.Derived, made);
            }
            return made;
        }
    }

    /// <summary>Unmaps every pack.</summary>
    public void Dispose()
    {
        Qkv?.Dispose();
        O?.Dispose();
        In?.Dispose();
        Out?.Dispose();
    }
}
