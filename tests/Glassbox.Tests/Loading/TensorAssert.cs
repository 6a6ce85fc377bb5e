using static TorchSharp.torch;

namespace Glassbox.Tests.Loading;

public static class TensorAssert
{
    /// <summary>Same dtype, same shape and bit-for-bit equal values.</summary>
    public static void Same(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype}, expected {expected.dtype}");
        Assert.True(
            expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]"
        );
        using var eq = expected.eq(actual);
        using var all = eq.all();
        Assert.True(all.item<bool>(), $"{what}: values differ");
    }
}
