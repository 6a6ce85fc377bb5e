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

    [Fact]
    public async Task Should_attribute_a_class_logit_when_serving_a_classifier_and_refuse_an_unknown_class()
    {
        await using var host = await StartClassifierAsync();
        var env = await JsonAsync(
            await host.PostAsync(
                "/api/attribute",
                new
                {
                    text = "the film was good",
                    target = "positive",
                    steps = 64,
                }
            )
        );
        Assert.True(EnvelopeSchema.Errors(env) is [], string.Join("\n", EnvelopeSchema.Errors(env)));
        var a = env.GetProperty("result").GetProperty("attribution");
        Assert.Equal("logit[positive]", a.GetProperty("target").GetString());
        double sum = a.GetProperty("scores").EnumerateArray().Sum(x => x.GetDouble());
        double delta = a.GetProperty("output").GetDouble() - a.GetProperty("baselineOutput").GetDouble();
        Assert.True(
            Math.Abs(sum - delta) < 0.05 * Math.Max(1, Math.Abs(delta)),
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{sum} vs {delta}")
        );
        // Without a target: the predicted class.
        var predicted = await JsonAsync(await host.PostAsync("/api/attribute", new { text = "the film was good" }));
        Assert.StartsWith(
            "logit[",
            predicted.GetProperty("result").GetProperty("attribution").GetProperty("target").GetString(),
            StringComparison.Ordinal
        );
        var e = await JsonAsync(
            await host.PostAsync("/api/attribute", new { text = "the film", target = "neutral" }),
            400
        );
        string message = e.GetProperty("error").GetString()!;
        Assert.Contains("target", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        Assert.Contains("Target class", await host.Client.GetStringAsync("/attribution"), StringComparison.Ordinal);
    }
}
