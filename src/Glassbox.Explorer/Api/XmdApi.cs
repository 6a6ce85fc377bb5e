using System.Globalization;
using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Explorer.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Api;

/// <summary>The XMD feedback view's endpoints (a served classifier only): <c>POST /api/xmd/view</c> (prediction and
/// token attributions of a text), <c>POST /api/xmd/jobs</c> (the XMD update of <see cref="XmdUpdate"/> on a copy of
/// the served classifier, as a job, ending with the <c>xmd</c> envelope and before/after views of the feedback
/// texts) and <c>POST /api/xmd/compare</c> (any text on the served and the updated classifier).</summary>
public static class XmdApi
{
    /// <summary>Body of <c>/api/xmd/view</c>.</summary>
    /// <param name="Text">The text.</param>
    /// <param name="Steps">Integrated-gradients steps (2..256).</param>
    public sealed record ViewRequest(string? Text, int Steps = 32);

    /// <summary>Body of <c>/api/xmd/compare</c>.</summary>
    /// <param name="Text">The text.</param>
    /// <param name="Label">The class whose logit is attributed in both models; null: the served model's prediction.</param>
    /// <param name="Id">The XMD job whose updated model is compared; null: the latest.</param>
    /// <param name="Steps">Integrated-gradients steps (2..256).</param>
    public sealed record CompareRequest(string? Text, string? Label = null, string? Id = null, int Steps = 32);

    /// <summary>Feedback on one text.</summary>
    /// <param name="Text">The text (split at whitespace into words).</param>
    /// <param name="Label">The class the text should get.</param>
    /// <param name="ShouldMatter">Words that should matter.</param>
    /// <param name="ShouldNotMatter">Words that should not matter.</param>
    /// <param name="Scope">local (this text) or global (every occurrence in the update data).</param>
    public sealed record FeedbackInput(
        string? Text,
        string? Label,
        IReadOnlyList<string>? ShouldMatter = null,
        IReadOnlyList<string>? ShouldNotMatter = null,
        string Scope = "local"
    );

    /// <summary>Body of <c>/api/xmd/jobs</c>.</summary>
    /// <param name="Feedback">Feedback lines (1..50).</param>
    /// <param name="Data">Update data: <c>feedback</c> (the feedback texts only) or <c>sst2</c> (a seeded sample of
    /// SST-2 train plus the feedback texts; evaluation on SST-2 dev).</param>
    /// <param name="MaxTrain">SST-2 train texts (1..5000).</param>
    /// <param name="MaxEval">SST-2 dev texts (1..2000).</param>
    /// <param name="Epochs">Passes over the update data (1..50).</param>
    /// <param name="LearningRate">Peak learning rate (0 &lt; lr ≤ 0.01).</param>
    /// <param name="ErMethod">Explanation of the loss: occlusion (default), gradxinput, ig, saliency, attention.</param>
    /// <param name="ErWeight">λ of the explanation loss (0..100).</param>
    /// <param name="Steps">Integrated-gradients steps of the before/after views (2..256).</param>
    public sealed record XmdRequest(
        IReadOnlyList<FeedbackInput>? Feedback,
        string Data = "feedback",
        int MaxTrain = 200,
        int MaxEval = 200,
        int Epochs = 1,
        double LearningRate = 2e-5,
        string ErMethod = "occlusion",
        double ErWeight = 1,
        int Steps = 32
    );

    /// <summary>The job's result.</summary>
    /// <param name="Xmd">What the update did: steps, time, attribution shares and accuracies before and after.</param>
    /// <param name="Texts">Each feedback text on the served and on the updated classifier.</param>
    /// <param name="Data">The update data.</param>
    /// <param name="Id">The id to compare with (<c>/api/xmd/compare</c>).</param>
    /// <param name="SavedTo">Folder of the updated classifier under <c>serve --out</c>, or null (memory only).</param>
    public sealed record XmdJobResult(
        XmdResult Xmd,
        IReadOnlyList<XmdViews.Comparison> Texts,
        string Data,
        string Id,
        string? SavedTo
    );

    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapPost("/api/xmd/view", async (ViewRequest r, HttpContext http) =>
        {
            var c = ModelApi.Require(cx, "the XMD view");
            Fields.Range("steps", r.Steps, 2, 256);
            XmdViews.Words(r.Text, "text");
            var view = await cx.Host.RunAsync(
                _ => XmdViews.View(c, r.Text!, null, r.Steps, "served"),
                http.RequestAborted
            );
            return ExplorerContext.Envelope("xmd view", cx.ModelName, view);
        });
        app.MapPost("/api/xmd/compare", async (CompareRequest r, HttpContext http) =>
        {
            var c = ModelApi.Require(cx, "the XMD comparison");
            Fields.Range("steps", r.Steps, 2, 256);
            XmdViews.Words(r.Text, "text");
            int? label = r.Label is null ? null : ModelApi.LabelIndex(c, r.Label, "label");
            var result = await cx.Host.RunAsync(
                _ =>
                {
                    var u = r.Id is null
                        ? cx.Host.Updated.Latest
                            ?? throw new InputException("id: no updated model yet; run an XMD update first")
                        : cx.Host.Updated.Find(r.Id)
                            ?? throw new InputException(
                                $"id: the update of job '{r.Id}' is not in memory (only the latest update is kept)"
                            );
                    return Compare(c, u.Classifier, r.Text!, label, r.Steps);
                },
                http.RequestAborted
            );
            return ExplorerContext.Envelope("xmd compare", cx.ModelName, result);
        });
        app.MapPost("/api/xmd/jobs", (XmdRequest r) =>
        {
            var plan = XmdPlan.Prepare(cx, r);
            var job = cx.Jobs.Start("xmd", (m, j) => ResultJson.Serialize(plan.Run(cx, j)));
            return ExplorerContext.Envelope("job", cx.ModelName, job.Info());
        });
    }

    /// <summary>A text on the served and the updated classifier, attributing the same class logit in both.</summary>
    public static XmdViews.Comparison Compare(
        SequenceClassifier served,
        SequenceClassifier updated,
        string text,
        int? label,
        int steps
    )
    {
        ArgumentNullException.ThrowIfNull(served);
        var before = XmdViews.View(served, text, label, steps, "served");
        int cls = served.Labels.ToList().IndexOf(before.Explained);
        var after = XmdViews.View(updated, text, cls, steps, "updated");
        return new XmdViews.Comparison(before.Text, before.Explained, before, after);
    }

    /// <summary>The feedback records of a request, checked like <c>glassbox xmd --feedback</c> files.</summary>
    public static List<FeedbackRecord> Feedback(SequenceClassifier c, IReadOnlyList<FeedbackInput>? feedback)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (feedback is null || feedback.Count == 0)
            throw new InputException("feedback: mark at least one word of one text");
        if (feedback.Count > 50)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"feedback: at most 50 texts, got {feedback.Count}")
            );
        var list = new List<FeedbackRecord>();
        for (int i = 0; i < feedback.Count; i++)
        {
            string at = string.Create(CultureInfo.InvariantCulture, $"feedback[{i}]");
            var f = feedback[i] ?? throw new InputException(at + ": expected an object, got null");
            var words = XmdViews.Words(f.Text, at + ".text");
            int label = ModelApi.LabelIndex(c, f.Label, at + ".label");
            var scope = f.Scope switch
            {
                "local" => FeedbackScope.Local,
                "global" => FeedbackScope.Global,
                _ => throw new InputException($"{at}.scope: expected local or global, got '{f.Scope}'"),
            };
            var good = Marked(f.ShouldMatter, words, at + ".shouldMatter");
            var bad = Marked(f.ShouldNotMatter, words, at + ".shouldNotMatter");
            if (good.Count + bad.Count == 0)
                throw new InputException($"{at}: mark at least one word as should matter or should not matter");
            if (good.Intersect(bad, StringComparer.OrdinalIgnoreCase).FirstOrDefault() is { } both)
                throw new InputException($"{at}: '{both}' is marked both to matter and not to matter");
            list.Add(new FeedbackRecord(i + 1, string.Join(' ', words), c.Labels[label], good, bad, scope));
        }
        return list;
    }

    private static List<string> Marked(IReadOnlyList<string>? marked, string[] words, string field)
    {
        var list = new List<string>();
        foreach (var w in marked ?? [])
        {
            string t = w?.Trim() ?? "";
            if (t.Length == 0 || t.Any(char.IsWhiteSpace))
                throw new InputException($"{field}: entries must be single words, got '{w}'");
            if (!words.Contains(t, StringComparer.OrdinalIgnoreCase))
                throw new InputException($"{field}: '{t}' is not a word of the text (words are split at spaces)");
            list.Add(t);
        }
        return list;
    }
}
