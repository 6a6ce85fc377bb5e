using Glassbox.Circuits.Patching;
using Glassbox.Explorer.Hosting;
using Glassbox.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Api;

/// <summary><c>POST /api/patch</c>: activation patching between a clean and a corrupted prompt typed on the page
/// (layer × position, or layer × head for per-head hooks), the <c>patch</c> envelope.</summary>
public static class PatchingApi
{
    /// <summary>Body of a patching request.</summary>
    /// <param name="Clean">The clean prompt.</param>
    /// <param name="Corrupted">The corrupted prompt (same number of tokens).</param>
    /// <param name="Answer">The answer token (its logit minus the wrong one's is the metric); null: the model's top
    /// next token on the clean prompt.</param>
    /// <param name="Wrong">The wrong token; null: the top next token on the corrupted prompt (if that is the answer
    /// too, the metric is the answer's probability).</param>
    /// <param name="Hook">What is patched: resid_pre (default), resid_post, attn_out, mlp_out, z or pattern.</param>
    /// <param name="Mode">denoise (default: clean activations into the corrupted run) or noise.</param>
    public sealed record PatchRequest(
        string? Clean,
        string? Corrupted,
        string? Answer = null,
        string? Wrong = null,
        string Hook = "resid_pre",
        string Mode = "denoise"
    );

    /// <summary>Body of a causal-tracing request.</summary>
    /// <param name="Text">The prompt.</param>
    /// <param name="Subject">The subject: a substring of the prompt whose tokens are corrupted with noise.</param>
    /// <param name="Answer">The answer token; null: the model's greedy next token.</param>
    /// <param name="Kind">hidden (default), mlp or attn.</param>
    /// <param name="Samples">Noise samples (1..20).</param>
    public sealed record TraceRequest(
        string? Text,
        string? Subject,
        string? Answer = null,
        string Kind = "hidden",
        int Samples = 5
    );

    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapPost("/api/patch", async (PatchRequest r, HttpContext http) =>
        {
            var kind = PatchKinds.Parse(r.Hook);
            var mode = r.Mode switch
            {
                "denoise" => PatchMode.Denoise,
                "noise" => PatchMode.Noise,
                _ => throw new InputException($"mode must be denoise or noise, got '{r.Mode}'"),
            };
            var result = await cx.Host.RunAsync(m => Patch(m, r, kind, mode), http.RequestAborted);
            var manifest = RunManifest.For(
                "patch",
                cx.Host.Model,
                null,
                new Dictionary<string, string>
                {
                    ["hook"] = r.Hook,
                    ["mode"] = r.Mode,
                    ["source"] = "explorer",
                }
            );
            return ExplorerContext.Envelope("patch", cx.ModelName, result, manifest);
        });
        app.MapPost("/api/trace", async (TraceRequest r, HttpContext http) =>
        {
            var kind = r.Kind switch
            {
                "hidden" => TraceKind.Hidden,
                "mlp" => TraceKind.Mlp,
                "attn" => TraceKind.Attn,
                _ => throw new InputException($"kind must be hidden, mlp or attn, got '{r.Kind}'"),
            };
            if (r.Samples is < 1 or > 20)
                throw new InputException(
                    $"samples must be in 1..20, got {r.Samples.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
                );
            if (string.IsNullOrWhiteSpace(r.Subject))
                throw new InputException("subject: give the part of the prompt to corrupt");
            var result = await cx.Host.RunAsync(
                m =>
                {
                    if (!m.Config.HasUnembed)
                        throw new InputException($"{m.Name} has no unembedding: tracing needs a language model");
                    Prompt.Ids(m, r.Text); // checks the text
                    var prompt = TracePrompt.Create(
                        m,
                        r.Text!,
                        r.Subject!,
                        string.IsNullOrEmpty(r.Answer) ? null : r.Answer
                    );
                    var t = CausalTracing.Trace(m, prompt, new TraceOptions { Kind = kind, Samples = r.Samples });
                    return new { trace = t, indirectEffect = t.IndirectEffect };
                },
                http.RequestAborted
            );
            var manifest = RunManifest.For(
                "trace",
                cx.Host.Model,
                0,
                new Dictionary<string, string> { ["kind"] = r.Kind, ["source"] = "explorer" }
            );
            return ExplorerContext.Envelope("trace", cx.ModelName, result, manifest);
        });
    }

    /// <summary>Runs the sweep.</summary>
    public static PatchingSweep Patch(HookedTransformer model, PatchRequest r, PatchKind kind, PatchMode mode)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(r);
        if (!model.Config.HasUnembed)
            throw new InputException($"{model.Name} has no unembedding: patching needs a language model's logits");
        var clean = Prompt.Ids(model, r.Clean);
        var corrupted = Prompt.Ids(model, r.Corrupted);
        ActivationPatcher.CheckPair(clean, corrupted);
        int answer = r.Answer is { Length: > 0 } a
            ? TracePrompt.AnswerToken(model, r.Clean!, a)
            : TracePrompt.Greedy(model, clean);
        int wrong = r.Wrong is { Length: > 0 } w
            ? TracePrompt.AnswerToken(model, r.Corrupted!, w)
            : TracePrompt.Greedy(model, corrupted);
        string Tok(int id) => Prompt.Of(model, id).Label;
        var metric =
            wrong == answer
                ? PatchMetric.Probability(answer, label: $"p('{Tok(answer)}')")
                : PatchMetric.LogitDiff(answer, wrong, label: $"logit_diff('{Tok(answer)}' - '{Tok(wrong)}')");
        return ActivationPatching.Sweep(model, clean, corrupted, metric, kind, new PatchingOptions { Mode = mode });
    }
}
