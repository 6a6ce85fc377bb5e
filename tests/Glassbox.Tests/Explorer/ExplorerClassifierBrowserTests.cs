using Microsoft.Playwright;

namespace Glassbox.Tests.Explorer;

/// <summary>End-to-end in headless Chromium: the TCAV page (over a tiny random classifier and the tiny language
/// model) and the XMD feedback page, run from the page with small settings; screenshots go to
/// <see cref="BrowserFixture.Screenshots"/>.</summary>
public sealed class ExplorerClassifierBrowserTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    private async Task<(IPage Page, List<string> Errors)> Open(ExplorerTestHost host, string path)
    {
        Skip.If(fx.Browser is null, BrowserFixture.Missing);
        var (page, errors) = await fx.PageAsync(fx.Browser!);
        await page.GotoAsync(new Uri(host.Server.Address, path).ToString());
        return (page, errors);
    }

    internal static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(
            new PageScreenshotOptions
            {
                Path = Path.Combine(BrowserFixture.Screenshots, name + ".png"),
                FullPage = true,
            }
        );

    /// <summary>Fills the TCAV form with a typed concept, typed inputs and a typed random corpus, and small settings.</summary>
    internal static async Task FillTcav(IPage page, string inputs)
    {
        await page.FillAsync("#custom-name", "positive words");
        await page.FillAsync("#custom", string.Join('\n', ExplorerTcavTests.Positive));
        if (await page.Locator("#sst2-dev").CountAsync() > 0)
            await page.UncheckAsync("#sst2-dev");
        await page.FillAsync("#inputs", inputs);
        await page.ClickAsync("details summary");
        await page.FillAsync("#random-corpus", string.Join('\n', ExplorerTcavTests.Corpus));
        await page.FillAsync("#random-runs", "2");
        await page.FillAsync("#examples", "8");
    }

    [SkippableFact]
    public async Task Should_run_tcav_on_a_classifier_from_the_page_and_draw_bars_with_significance()
    {
        Skip.If(fx.Browser is null, BrowserFixture.Missing);
        await using var host = await ExplorerTestHost.StartClassifierAsync();
        var (page, errors) = await Open(host, "/tcav");
        Assert.Equal("TCAV", await page.TextContentAsync("h1"));
        Assert.Equal("positive", await page.InputValueAsync("#target")); // the last class by default
        await FillTcav(page, "the film was good .\nthis movie was very bad .\nthe story was fun .");
        await page.ClickAsync("#run");
        await page.WaitForSelectorAsync("#tcav-table");
        Assert.Equal(2, await page.Locator("#tcav-table tbody tr").CountAsync()); // one concept at L0 and L1
        Assert.Equal(2, await page.Locator(".tcav-bar").CountAsync());
        Assert.Equal(2, await page.Locator(".tcav-bar circle.sig").CountAsync()); // filled or hollow, one per bar
        Assert.Equal(2, await page.Locator(".tcav-bar rect.random").CountAsync());
        Assert.Contains("colourbar", await page.InnerHTMLAsync("#summary"), StringComparison.Ordinal);
        Assert.True(await page.Locator("#progress li").CountAsync() > 0);
        // Keyboard: focus the first bar, move to the second with the arrow key; the detail names it.
        await page.FocusAsync(".tcav-bar >> nth=0");
        StringAssert(await page.TextContentAsync("#detail p"), "positive words at L0: TCAV ");
        await page.Keyboard.PressAsync("ArrowRight");
        StringAssert(await page.TextContentAsync("#detail p"), "positive words at L1: TCAV ");
        string significant = (await page.TextContentAsync("#tcav-table tbody tr >> nth=1 >> td >> nth=8"))!;
        Assert.Equal(
            significant == "yes" ? 0 : 1,
            await page.Locator(".tcav-bar >> nth=1 >> circle.hollow").CountAsync()
        );
        await Shot(page, "tcav");
        Assert.Empty(errors);
    }

    [SkippableFact]
    public async Task Should_run_tcav_on_a_language_models_next_token_and_show_a_bad_request()
    {
        var (page, errors) = await Open(fx.Host!, "/tcav");
        Assert.Equal("", await page.InputValueAsync("#target")); // a typed token, not a class
        await FillTcav(page, "the cat sat\na dog ran");
        await page.FillAsync("#target", "ab"); // two bytes: two tokens
        await page.ClickAsync("#run");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('target:')");
        Assert.True(await page.Locator("#status.error").CountAsync() == 1);
        await page.FillAsync("#target", "a");
        await page.UncheckAsync("input[name=layer] >> nth=0");
        await page.ClickAsync("#run");
        await page.WaitForSelectorAsync("#tcav-table");
        Assert.Equal(1, await page.Locator("#tcav-table tbody tr").CountAsync());
        StringAssert(await page.TextContentAsync("#summary p"), "logit('a') on 2 typed inputs");
        Assert.DoesNotContain(errors, e => !e.Contains("400", StringComparison.Ordinal)); // the refused request itself
    }

    [SkippableFact]
    public async Task Should_mark_words_run_an_xmd_update_and_show_before_and_after()
    {
        Skip.If(fx.Browser is null, BrowserFixture.Missing);
        await using var host = await ExplorerTestHost.StartClassifierAsync();
        var (page, errors) = await Open(host, "/xmd?text=" + Uri.EscapeDataString(ExplorerXmdTests.Text));
        await page.WaitForSelectorAsync("#words .tok");
        Assert.Equal(6, await page.Locator("#words .tok").CountAsync());
        Assert.Equal(8, await page.Locator("#tokens .tok").CountAsync()); // [CLS] and [SEP] too
        StringAssert(await page.TextContentAsync("#prediction p"), "Served model: predicts ");
        Assert.True(await page.IsDisabledAsync("#add"));
        // Mouse: click "film" twice (should matter, then should not matter); keyboard: "m" on "good".
        await page.ClickAsync("#words .tok >> nth=1");
        await page.ClickAsync("#words .tok >> nth=1");
        Assert.Equal("✗ film", await page.TextContentAsync("#words .tok >> nth=1"));
        await page.FocusAsync("#words .tok >> nth=4");
        await page.Keyboard.PressAsync("m");
        Assert.Equal("✓ good", await page.TextContentAsync("#words .tok >> nth=4"));
        Assert.Contains(
            "should matter",
            await page.GetAttributeAsync("#words .tok >> nth=4", "aria-label"),
            StringComparison.Ordinal
        );
        await page.SelectOptionAsync("#label", "positive");
        await page.ClickAsync("#add");
        Assert.Equal(1, await page.Locator("#feedback-table tbody tr").CountAsync());
        Assert.Equal("film", await page.TextContentAsync("#feedback-table tbody tr >> td >> nth=3"));
        await page.FillAsync("#epochs", "2");
        await page.FillAsync("#lr", "1e-3");
        await page.ClickAsync("#run");
        await page.WaitForSelectorAsync("#xmd-summary");
        StringAssert(await page.TextContentAsync("#xmd-summary"), "1 feedback text(s), 1 update texts");
        Assert.Equal(2, await page.Locator("#comparisons .comparison .side").CountAsync());
        StringAssert(await page.TextContentAsync("#comparisons .side.updated p"), "Updated model: predicts ");
        Assert.Equal(1, await page.Locator("#comparisons .side.served .tok.bad").CountAsync()); // "film" is one token
        Assert.True(await page.Locator("#changes tbody tr").CountAsync() > 0);
        Assert.True(await page.Locator("#progress li").CountAsync() > 2);
        await page.FillAsync("#compare-text", "the story was fun .");
        await page.ClickAsync("#compare");
        await page.WaitForSelectorAsync("#compare-out .comparison");
        Assert.Equal(2, await page.Locator("#compare-out .side").CountAsync());
        await Shot(page, "xmd");
        Assert.Empty(errors);
    }

    [SkippableFact]
    public async Task Should_say_that_xmd_needs_a_classifier_on_a_language_model()
    {
        var (page, errors) = await Open(fx.Host!, "/xmd");
        StringAssert(
            await page.TextContentAsync("#no-classifier"),
            "The XMD feedback view needs a sequence classifier"
        );
        Assert.Equal(0, await page.Locator("#text-form").CountAsync());
        Assert.Empty(errors);
    }

    internal static void StringAssert(string? actual, string expectedStart) =>
        Assert.True(
            actual is not null && actual.StartsWith(expectedStart, StringComparison.Ordinal),
            $"expected '{expectedStart}...', got '{actual}'"
        );
}
