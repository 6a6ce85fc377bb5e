using System.Globalization;
using Glassbox.Circuits.Lens;
using Glassbox.Explorer.Hosting;
using Glassbox.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static TorchSharp.torch;

namespace Glassbox.Explorer.Api;

/// <summary>The text playground's endpoints: <c>POST /api/predict</c> (tokens and the top next tokens at every
/// position, the <c>run</c> envelope) and <c>POST /api/lens</c> (the logit lens, the <c>lens</c> envelope).</summary>
public static class TextApi
{
    /// <summary>Body of a text request.</summary>
    /// <param name="Text">The prompt.</param>
    /// <param name="TopK">Tokens per position (1..50).</param>
    /// <param name="Target">Token to track through the layers (lens only), or null.</param>
    public sealed record TextRequest(string? Text, int TopK = 5, string? Target = null);

    /// <summary>One predicted token.</summary>
    /// <param name="Token">The token.</param>
    /// <param name="Prob">Its probability.</param>
    public sealed record Prediction(Prompt.Token Token, double Prob);

    /// <summary>Result of <c>/api/predict</c>.</summary>
    /// <param name="Tokens">The prompt's tokens.</param>
    /// <param name="Next">Per position, the top next tokens.</param>
    public sealed record PredictResult(
        IReadOnlyList<Prompt.Token> Tokens,
        IReadOnlyList<IReadOnlyList<Prediction>> Next
    );

    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapPost("/api/predict", async (TextRequest r, HttpContext http) =>
        {
            int k = TopK(r.TopK);
            var result = await cx.Host.RunAsync(m => Predict(m, Prompt.Ids(m, r.Text), k), http.RequestAborted);
            return ExplorerContext.Envelope("run", cx.ModelName, result, Manifest(cx, "run", k));
        });
        app.MapPost("/api/lens", async (TextRequest r, HttpContext http) =>
        {
            int k = TopK(r.TopK);
            var result = await cx.Host.RunAsync(
                m =>
                {
                    var ids = Prompt.Ids(m, r.Text);
                    int? target = string.IsNullOrEmpty(r.Target) ? null : Unembedding.TokenId(m, r.Target, "target");
                    return LogitLens.Run(m, ids, new LogitLensOptions { TopK = k, Target = target });
                },
                http.RequestAborted
            );
            return ExplorerContext.Envelope("lens", cx.ModelName, result, Manifest(cx, "lens", k));
        });
    }

    /// <summary>Tokens and top-<paramref name="k"/> next tokens at every position, from one forward pass.</summary>
    public static PredictResult Predict(HookedTransformer model, IReadOnlyList<int> ids, int k)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Config.HasUnembed)
            throw new InputException($"{model.Name} is an encoder without an unembedding: it predicts no next tokens");
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(ids, model.Device);
        var probs = model.Forward(batch)[0].to(ScalarType.Float32).cpu().softmax(-1); // [pos, d_vocab]
        k = Math.Min(k, model.Config.DVocab);
        var (values, indexes) = probs.topk(k, -1); // [pos, k]
        var p = values.contiguous().data<float>().ToArray();
        var ix = indexes.contiguous().data<long>().ToArray();
        var next = Enumerable
            .Range(0, ids.Count)
            .Select(pos =>
                (IReadOnlyList<Prediction>)
                    Enumerable
                        .Range(0, k)
                        .Select(j => new Prediction(Prompt.Of(model, (int)ix[pos * k + j]), p[pos * k + j]))
                        .ToList()
            )
            .ToList();
        return new PredictResult(Prompt.Tokens(model, ids), next);
    }

    private static int TopK(int k) =>
        k is >= 1 and <= 50
            ? k
            : throw new InputException(string.Create(CultureInfo.InvariantCulture, $"topK must be in 1..50, got {k}"));

    private static RunManifest Manifest(ExplorerContext cx, string command, int k) =>
        RunManifest.For(
            command,
            cx.Host.Model,
            null,
            new Dictionary<string, string>
            {
                ["topK"] = k.ToString(CultureInfo.InvariantCulture),
                ["source"] = "explorer",
            }
        );
}
