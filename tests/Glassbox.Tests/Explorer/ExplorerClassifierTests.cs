using System.Text.Json;
using Glassbox.Tests.Cli;
using static Glassbox.Tests.Explorer.ExplorerTestHost;

namespace Glassbox.Tests.Explorer;

/// <summary>The explorer over a sequence classifier (a tiny random one): the encoder serves the existing pages, the
/// classifier's labels and head are on the overview and <c>GET /api/classifier</c>.</summary>
public sealed class ExplorerClassifierTests
{
    [Fact]
    public async Task Should_serve_a_classifier_with_its_labels_on_the_overview_and_the_api()
    {
        await using var host = await StartClassifierAsync();
        Assert.NotNull(host.Server.Context.Host.Classifier);
        Assert.Same(host.Server.Context.Host.Classifier!.Encoder, host.Server.Context.Host.Model);
        var info = await JsonAsync(await host.Client.GetAsync("/api/classifier"));
        Assert.True(EnvelopeSchema.Errors(info) is [], string.Join("\n", EnvelopeSchema.Errors(info)));
        var r = info.GetProperty("result");
        Assert.Equal(["negative", "positive"], r.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("cls", r.GetProperty("pooling").GetString());
        // pooler [16, 16] + [16], classifier [2, 16] + [2]
        Assert.Equal(16 * 16 + 16 + 2 * 16 + 2, r.GetProperty("headParameters").GetInt64());
        string overview = await host.Client.GetStringAsync("/");
        Assert.Contains("Sequence classifier", overview, StringComparison.Ordinal);
        Assert.Contains("0: negative, 1: positive", overview, StringComparison.Ordinal);
        // An existing page's endpoint runs on the encoder.
        var attention = await JsonAsync(await host.PostAsync("/api/attention", new { text = "the film was good" }));
        Assert.Equal(2, attention.GetProperty("result").GetProperty("layers").GetInt32());
    }

    [Fact]
    public async Task Should_answer_the_classifier_api_with_a_400_on_a_language_model()
    {
        await using var host = await StartAsync();
        var e = await JsonAsync(await host.Client.GetAsync("/api/classifier"), 400);
        string message = e.GetProperty("error").GetString()!;
        Assert.Contains("needs a sequence classifier", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain("Sequence classifier", await host.Client.GetStringAsync("/"), StringComparison.Ordinal);
    }
}
