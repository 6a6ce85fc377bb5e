using Glassbox.Explorer.Hosting;
using Glassbox.Loading;

namespace Glassbox.Tests.Explorer;

/// <summary>The explorer's shared model is freed only after the work running on it has ended (a test that stopped
/// the explorer under a cancelled job crashed the test host inside libtorch before).</summary>
public sealed class ModelHostTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-model-host-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Should_wait_for_running_work_before_disposing_the_model()
    {
        var host = new ModelHost(ModelLoader.Load(ExplorerTestHost.TinyLm(_dir)));
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var work = host.RunAsync(
            m =>
            {
                started.Set();
                release.Wait();
                using var scope = TorchSharp.torch.NewDisposeScope();
                using var batch = Glassbox.Models.TokenBatch.Single(new[] { 1, 2, 3 });
                return m.Forward(batch).shape[^1]; // the model's weights, used after Dispose was called
            },
            CancellationToken.None
        );
        started.Wait();
        var disposing = Task.Run(host.Dispose);
        await Task.Delay(200);
        Assert.False(disposing.IsCompleted); // waits for the running work
        release.Set();
        Assert.True(await work > 0);
        await disposing;
    }
}
