using TorchSharp;
namespace Glassbox.Tests;
public class SmokeTests
{
    [Fact]
    public void Should_load_libtorch()
    {
        using var t = torch.ones(2, 3);
        Assert.Equal(6f, t.sum().item<float>());
    }
}
