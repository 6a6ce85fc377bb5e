using Glassbox.Classification;
using Glassbox.Explorer;
using Glassbox.Explorer.Hosting;
using Microsoft.Playwright;

namespace Glassbox.Tests.Explorer;

/// <summary>The screenshots of docs/explorer.md: TCAV and XMD on the fine-tuned MiniLM SST-2 classifier (needs
/// /work/models/sst2-minilm-full, or GLASSBOX_SST2_CLASSIFIER, and the shared data; skipped otherwise).</summary>
public sealed class ExplorerSst2BrowserTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    private static string Model =>
        Environment.GetEnvironmentVariable("GLASSBOX_SST2_CLASSIFIER") ?? "/work/models/sst2-minilm-full";

    private async Task<(ExplorerServer Server, IPage Page, List<string> Errors)> Open()
    {
        Skip.If(fx.Browser is null, BrowserFixture.Missing);
        Skip.If(!ClassifierCheckpoint.IsClassifierDirectory(Model), Model + " is not a classifier directory");
        Skip.If(SharedData.File("sst2", "dev.tsv") is null, "../shared/data/sst2 is absent");
        var server = ExplorerServer.Create(new ExplorerOptions { Port = 0 }, ClassifierCheckpoint.Load(Model));
        await server.StartAsync();
        var (page, errors) = await fx.PageAsync(fx.Browser!);
        return (server, page, errors);
    }

    [SkippableFact]
    public async Task Should_render_tcav_on_the_sst2_classifier()
    {
        var (server, page, errors) = await Open();
        await using var _ = server;
        await page.GotoAsync(new Uri(server.Address, "/tcav").ToString());
        await page.CheckAsync("input[value=positive-adjectives]");
        await page.CheckAsync("input[value=colour-words]");
        Assert.True(await page.IsCheckedAsync("#sst2-dev"));
        await page.ClickAsync("#run");
        await page.WaitForSelectorAsync("#tcav-table", new() { Timeout = 600_000 });
        Assert.Equal(2 * 6, await page.Locator("#tcav-table tbody tr").CountAsync()); // two concepts, six layers
        await page.FocusAsync(".tcav-bar >> nth=5");
        await ExplorerClassifierBrowserTests.Shot(page, "tcav-sst2");
        Assert.Empty(errors);
    }

    [SkippableFact]
    public async Task Should_render_xmd_on_the_sst2_classifier()
    {
        var (server, page, errors) = await Open();
        await using var _ = server;
        const string text = "it 's a charming and often affecting journey .";
        await page.GotoAsync(new Uri(server.Address, "/xmd?text=" + Uri.EscapeDataString(text)).ToString());
        await page.WaitForSelectorAsync("#words .tok");
        await page.ClickAsync("#words .tok >> nth=3"); // charming: should matter
        await page.ClickAsync("#words .tok >> nth=7"); // journey: should not matter
        await page.ClickAsync("#words .tok >> nth=7");
        await page.SelectOptionAsync("#label", "positive");
        await page.ClickAsync("#add");
        await page.ClickAsync("#run");
        await page.WaitForSelectorAsync("#xmd-summary", new() { Timeout = 600_000 });
        await page.FillAsync("#compare-text", "a journey that is anything but charming .");
        await page.ClickAsync("#compare");
        await page.WaitForSelectorAsync("#compare-out .comparison", new() { Timeout = 120_000 });
        await ExplorerClassifierBrowserTests.Shot(page, "xmd-sst2");
        Assert.Empty(errors);
    }
}
