using System.Net;
using Glassbox.Explorer;
using Glassbox.Explorer.Hosting;
using Glassbox.Loading;
using static Glassbox.Tests.Explorer.ExplorerTestHost;

namespace Glassbox.Tests.Explorer;

/// <summary>The explorer's security rules: stores only under the served folder, no remote bind without a token, the
/// token checked on every request, cross-site requests and foreign Host headers refused.</summary>
public sealed class ExplorerSecurityTests
{
    [Fact]
    public async Task Should_refuse_a_store_outside_the_served_folder()
    {
        await using var host = await StartAsync();
        var outside = Path.Combine(host.Dir, "outside.duckdb");
        File.Copy(Path.Combine(host.Stores, "tiny.duckdb"), outside);
        File.WriteAllText(Path.Combine(host.Stores, "notes.txt"), "not a store");
        File.CreateSymbolicLink(Path.Combine(host.Stores, "link.duckdb"), outside);
        foreach (
            var name in new[]
            {
                "../outside.duckdb",
                "..%2Foutside.duckdb",
                outside,
                "/etc/passwd",
                "notes.txt",
                "link.duckdb",
                "missing.duckdb",
                "",
            }
        )
        {
            var res = await host.Client.GetAsync("/api/neurons/top?unit=1.5&store=" + Uri.EscapeDataString(name));
            var e = await JsonAsync(res, 400);
            Assert.Contains("store", e.GetProperty("error").GetString()!, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(
            "link.duckdb",
            (await host.Client.GetStringAsync("/api/neurons/stores")).Replace(
                "\"tiny.duckdb\"",
                "",
                StringComparison.Ordinal
            ),
            StringComparison.Ordinal
        );
        await JsonAsync(await host.Client.GetAsync("/api/neurons/top?unit=1.5&store=tiny.duckdb"));
    }

    [Fact]
    public void Should_refuse_to_start_on_a_remote_address_without_a_token()
    {
        var dir = Directory.CreateTempSubdirectory("glassbox-explorer-bind-").FullName;
        try
        {
            using var model = ModelLoader.Load(TinyLm(dir));
            var e = Assert.Throws<InputException>(() =>
                ExplorerServer.Create(new ExplorerOptions { Bind = "0.0.0.0", Port = 0 }, model)
            );
            Assert.Contains("--token", e.Message, StringComparison.Ordinal);
            Assert.Throws<InputException>(() => new ExplorerOptions { Bind = "::", Token = "short" }.Validate());
            Assert.Throws<InputException>(() => new ExplorerOptions { Bind = "example.com" }.Validate());
            new ExplorerOptions { Bind = "0.0.0.0", Token = new string('t', 16) }.Validate();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Should_require_the_access_token_when_one_is_set()
    {
        const string token = "0123456789abcdef-token";
        await using var host = await StartAsync(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/api/model")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/?token=wrong-token-wrong")).StatusCode);
        var req = new HttpRequestMessage(HttpMethod.Get, "/api/model");
        Bearer(req, token);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(req)).StatusCode);
        var post = await host.PostAsync("/api/predict", new { text = "hi" }, r => Bearer(r, token));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        // A first visit with ?token= sets an HttpOnly, SameSite=Strict cookie and drops the token from the address.
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = host.Server.Address };
        var first = await browser.GetAsync("/attention?token=" + token);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/attention", first.Headers.Location?.ToString());
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/attention")).StatusCode);
    }

    [Fact]
    public async Task Should_refuse_cross_site_posts()
    {
        await using var host = await StartAsync();
        var body = new { text = "the cat" };
        // No X-Glassbox header: what a cross-site HTML form sends.
        using var plain = new StringContent("{\"text\":\"the cat\"}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.PostAsync("/api/predict", plain)).StatusCode);
        var foreign = await host.PostAsync("/api/predict", body, r => r.Headers.Add("Origin", "http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        var site = await host.PostAsync("/api/probe/jobs", new { }, r => r.Headers.Add("Sec-Fetch-Site", "cross-site"));
        Assert.Equal(HttpStatusCode.Forbidden, site.StatusCode);
        var cancel = await host.Client.PostAsync("/api/jobs/j1/cancel", null);
        Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        string self = host.Server.Address.GetLeftPart(UriPartial.Authority);
        var same = await host.PostAsync("/api/predict", body, r => r.Headers.Add("Origin", self));
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
    }

    [Fact]
    public async Task Should_refuse_a_foreign_host_header()
    {
        await using var host = await StartAsync();
        var req = new HttpRequestMessage(HttpMethod.Get, "/api/model");
        req.Headers.Host = "evil.example";
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.SendAsync(req)).StatusCode);
    }
}
