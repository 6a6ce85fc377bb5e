using System.Globalization;
using Glassbox.Attribution;
using Glassbox.Circuits.Lens;
using Glassbox.Classification;
using Glassbox.Explorer.Hosting;
using Glassbox.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Api;

/// <summary><c>POST /api/attribute</c>: token attributions (integrated gradients or gradient × input at the token
/// embeddings) of the loaded model's next-token logit, or, when the explorer serves a sequence classifier, of a class
/// logit; the <c>attribute</c> envelope.</summary>
public static class AttributionApi
{
    /// <summary>Body of an attribution request.</summary>
    /// <param name="Text">The prompt.</param>
    /// <param name="Target">The next token whose logit is explained (null: the model's own top token); for a served
    /// classifier the class label (null: the predicted class).</param>
    /// <param name="Method">ig (default) or gradxinput.</param>
    /// <param name="Steps">Integrated-gradients steps (2..256).</param>
    public sealed record AttributeRequest(string? Text, string? Target = null, string Method = "ig", int Steps = 32);

    /// <summary>Result: the prompt's tokens and their attributions.</summary>
    /// <param name="Tokens">Tokens of the prompt.</param>
    /// <param name="Attribution">Scores, target, F(x), F(baseline) and the completeness error.</param>
    public sealed record AttributeResult(IReadOnlyList<Prompt.Token> Tokens, TokenAttribution Attribution);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapPost("/api/attribute", async (AttributeRequest r, HttpContext http) =>
        {
            if (r.Method is not ("ig" or "gradxinput"))
                throw new InputException($"method must be ig or gradxinput, got '{r.Method}'");
            if (r.Steps is < 2 or > 256)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"steps must be in 2..256, got {r.Steps}")
                );
            var classifier = cx.Host.Classifier;
            var result = await cx.Host.RunAsync(
                m => classifier is null ? Attribute(m, r) : AttributeClass(classifier, r),
                http.RequestAborted
            );
            var manifest = RunManifest.For(
                "attribute",
                cx.Host.Model,
                null,
                new Dictionary<string, string>
                {
                    ["method"] = r.Method,
                    ["steps"] = r.Steps.ToString(CultureInfo.InvariantCulture),
                    ["source"] = "explorer",
                }
            );
            return ExplorerContext.Envelope("attribute", cx.ModelName, result, manifest);
        });
    }

    /// <summary>Attributes the model's logit of the target next token to the prompt's tokens.</summary>
    public static AttributeResult Attribute(HookedTransformer model, AttributeRequest r)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(r);
        var ids = Prompt.Ids(model, r.Text);
        var target = string.IsNullOrEmpty(r.Target)
            ? AttributionTarget.NextToken(model, ids)
            : AttributionTarget.LmLogit(model, Unembedding.TokenId(model, r.Target, "target"));
        var a =
            r.Method == "gradxinput"
                ? IntegratedGradients.GradientTimesInput(target, ids)
                : IntegratedGradients.Attribute(target, ids, new AttributionOptions { Steps = r.Steps });
        return new AttributeResult(Prompt.Tokens(model, ids), a);
    }

    /// <summary>Attributes a classifier's logit of class <see cref="AttributeRequest.Target"/> (null or empty: the
    /// predicted class) to the text's tokens.</summary>
    /// <exception cref="InputException">An empty or too long text, or a label the classifier does not have.</exception>
    public static AttributeResult AttributeClass(SequenceClassifier classifier, AttributeRequest r)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(r);
        var model = classifier.Encoder;
        var ids = Prompt.Ids(model, r.Text);
        int label;
        if (string.IsNullOrEmpty(r.Target))
        {
            var p = classifier.Probabilities(new[] { r.Text! }, ids.Count)[0];
            label = Array.IndexOf(p, p.Max());
        }
        else
            label = ModelApi.LabelIndex(classifier, r.Target, "target");
        var target = AttributionTarget.ClassLogit(classifier, label);
        var a =
            r.Method == "gradxinput"
                ? IntegratedGradients.GradientTimesInput(target, ids)
                : IntegratedGradients.Attribute(target, ids, new AttributionOptions { Steps = r.Steps });
        return new AttributeResult(Prompt.Tokens(model, ids), a);
    }
}
