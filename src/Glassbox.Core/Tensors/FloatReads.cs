using static TorchSharp.torch;

namespace Glassbox.Tensors;

/// <summary>Reads of tensor values into .NET numbers that work for float16/bfloat16 models too: the values are
/// converted to float32 first (a half-precision tensor's <c>data&lt;float&gt;()</c> throws).</summary>
public static class FloatReads
{
    /// <summary>The tensor in float32: itself when it already is, else a converted copy.</summary>
    public static Tensor AsFloat32(this Tensor x) => x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);

    /// <summary>Every value, row-major, as float32.</summary>
    public static float[] ToFloats(this Tensor x)
    {
        using var f = x.dtype == ScalarType.Float32 ? null : x.to_type(ScalarType.Float32);
        return (f ?? x).contiguous().data<float>().ToArray();
    }
}
