using Glassbox.Models.Components;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>The managed rotary kernel gives the same bits as libtorch's ops (what runs with gradients on), on strided
/// inputs and with partial rotation; positions outside the table are refused.</summary>
public sealed class RotaryKernelTests
{
    [Theory]
    [InlineData(8, 8)]
    [InlineData(16, 16)]
    [InlineData(12, 8)] // partial rotation: the last 4 dimensions pass through
    [InlineData(6, 4)] // halves narrower than a vector
    public void Should_rotate_exactly_as_the_libtorch_ops(int dh, int dim)
    {
        using var scope = NewDisposeScope();
        using var rotary = new Rotary(32, dim, 10000.0, CPU);
        var wide = randn(new long[] { 2, 5, 3 * dh }, generator: new Generator(3));
        var x = wide.narrow(-1, dh, 3 * dh - dh - 0).narrow(-1, 0, 2 * dh).view(2, 5, 2, dh); // strided view
        var positions = tensor(new long[] { 0, 1, 2, 3, 4, 7, 9, 11, 30, 31 }).view(2, 5);
        Tensor managed,
            ops;
        using (no_grad())
            managed = rotary.Apply(x, positions);
        using (enable_grad())
            ops = rotary.Apply(x, positions);
        Assert.Equal(0f, TinyModels.MaxAbsDiff(managed, ops)); // the same bits
    }

    [Fact]
    public void Should_refuse_a_position_outside_the_table()
    {
        using var scope = NewDisposeScope();
        using var grad = no_grad();
        using var rotary = new Rotary(8, 4, 10000.0, CPU);
        var x = randn(1, 2, 1, 4);
        var positions = tensor(new long[] { 3, 8 }).view(1, 2);
        var e = Assert.Throws<InputException>(() => rotary.Apply(x, positions));
        Assert.Contains("position 8", e.Message, StringComparison.Ordinal);
    }
}
