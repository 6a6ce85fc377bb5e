using System.Globalization;
using Glassbox.Classification;
using Glassbox.Explorer.Hosting;
using Glassbox.Models;
using Microsoft.AspNetCore.Builder;

namespace Glassbox.Explorer.Api;

/// <summary><c>GET /api/model</c>: config, parameter counts and hooks with shapes (the <c>info</c> envelope);
/// <c>GET /api/classifier</c>: the served classifier's labels and head (the <c>classifier</c> envelope), a 400 when a
/// plain model is served.</summary>
public static class ModelApi
{
    /// <summary>The served classifier's head.</summary>
    /// <param name="Labels">Class names; index i is logit i.</param>
    /// <param name="Pooling">cls (pooler on [CLS]) or mean.</param>
    /// <param name="Dropout">Dropout before the classifier during training.</param>
    /// <param name="HeadParameters">Parameters of the head (pooler and classifier).</param>
    /// <param name="Output">The folder XMD updates are saved under (<c>serve --out</c>), or null (memory only).</param>
    public sealed record ClassifierInfo(
        IReadOnlyList<string> Labels,
        string Pooling,
        double Dropout,
        long HeadParameters,
        string? Output
    );

    /// <summary>The head of <paramref name="c"/>.</summary>
    public static ClassifierInfo Describe(SequenceClassifier c, string? output)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new ClassifierInfo(
            c.Labels,
            SequenceClassifier.PoolingName(c.Pooling),
            c.Dropout,
            c.HeadWeights.Values.Sum(t => t.numel()),
            output
        );
    }

    /// <summary>The served classifier, or an <see cref="InputException"/> naming what needs it.</summary>
    public static SequenceClassifier Require(ExplorerContext cx, string what)
    {
        ArgumentNullException.ThrowIfNull(cx);
        return cx.Host.Classifier
            ?? throw new InputException(
                $"{what} needs a sequence classifier: start the explorer with glassbox serve -m CLASSIFIER_DIR ({cx.ModelName} is not one)"
            );
    }

    /// <summary>Index of class <paramref name="label"/> (case-insensitive), or an error naming
    /// <paramref name="field"/> and listing the classes.</summary>
    public static int LabelIndex(SequenceClassifier c, string? label, string field)
    {
        ArgumentNullException.ThrowIfNull(c);
        int i = c.Labels.ToList().FindIndex(l => string.Equals(l, label, StringComparison.OrdinalIgnoreCase));
        return i >= 0
            ? i
            : throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{field}: the classifier has no class '{label}'; its classes are {string.Join(", ", c.Labels)}"
                )
            );
    }

    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        var manifest = RunManifest.For("info", cx.Host.Model);
        app.MapGet("/api/model", () => ExplorerContext.Envelope("info", cx.ModelName, cx.Host.Info, manifest));
        app.MapGet("/api/classifier", () =>
            ExplorerContext.Envelope(
                "classifier",
                cx.ModelName,
                Describe(Require(cx, "GET /api/classifier"), cx.Options.Out),
                manifest
            )
        );
    }
}
