using Microsoft.Playwright;

namespace Glassbox.Tests.Explorer;

/// <summary>Chromium from Debian's package (/usr/bin/chromium, installed by .ci/run), driven by Playwright, plus one
/// explorer over the tiny model for all the browser tests. Without the executable, <see cref="Browser"/> is null and
/// the tests skip with <see cref="Missing"/>.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package puts the browser.</summary>
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>The skip message when the browser is absent.</summary>
    public const string Missing =
        Chromium + " is absent: install Debian's chromium package (apt-get install chromium; .ci/run does)";

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    internal ExplorerTestHost? Host { get; private set; }

    /// <summary>Screenshots are kept here as test artefacts (TestResults/explorer beside the test assembly).</summary>
    public static string Screenshots
    {
        get
        {
            var dir = Path.Combine(AppContext.BaseDirectory, "TestResults", "explorer");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            return;
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            }
        );
        Host = await ExplorerTestHost.StartAsync();
    }

    /// <summary>A fresh page (1280×900) that fails the test on any script error or console error.</summary>
    public async Task<(IPage Page, List<string> Errors)> PageAsync(IBrowser browser)
    {
        var page = await browser.NewPageAsync(
            new BrowserNewPageOptions
            {
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            }
        );
        page.SetDefaultTimeout(120_000);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
                errors.Add(m.Text);
        };
        return (page, errors);
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
            await Host.DisposeAsync();
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
