using System.Globalization;
using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Explorer.Hosting;
using Glassbox.Models;

namespace Glassbox.Explorer.Api;

/// <summary>An XMD update checked before its job starts (bad input is a 400), and the job itself: copy the served
/// classifier, view the feedback texts, apply <see cref="XmdUpdate"/> to the copy (saved under <c>serve --out</c>
/// when given), view them again, and keep the copy beside the served model.</summary>
/// <param name="Feedback">The feedback records.</param>
/// <param name="Data">Update data (the feedback texts are added by <see cref="XmdUpdate"/>).</param>
/// <param name="Eval">Evaluation texts with labels.</param>
/// <param name="Options">The explanation loss and the fine-tune.</param>
/// <param name="Steps">Integrated-gradients steps of the views.</param>
/// <param name="Request">The request, for the manifest.</param>
internal sealed record XmdPlan(
    List<FeedbackRecord> Feedback,
    LabeledTextSet Data,
    LabeledTextSet Eval,
    XmdOptions Options,
    int Steps,
    XmdApi.XmdRequest Request
)
{
    /// <summary>Checks the request and reads the update data.</summary>
    public static XmdPlan Prepare(ExplorerContext cx, XmdApi.XmdRequest r)
    {
        var c = ModelApi.Require(cx, "XMD");
        Fields.Range("epochs", r.Epochs, 1, 50);
        Fields.Range("steps", r.Steps, 2, 256);
        Fields.Range("maxTrain", r.MaxTrain, 1, 5000);
        Fields.Range("maxEval", r.MaxEval, 1, 2000);
        if (!(r.LearningRate > 0 && r.LearningRate <= 0.01))
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"learningRate must be in (0, 0.01], got {r.LearningRate}")
            );
        if (!(r.ErWeight >= 0 && r.ErWeight <= 100))
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"erWeight must be in 0..100, got {r.ErWeight}")
            );
        var method = Fields.Named("erMethod", () => ErOptions.ParseMethod(r.ErMethod));
        var feedback = XmdApi.Feedback(c, r.Feedback);
        var (data, eval) = r.Data switch
        {
            "feedback" => (
                new LabeledTextSet("the feedback texts", c.Labels, []),
                new LabeledTextSet(
                    "the feedback texts",
                    c.Labels,
                    feedback.Select(f => new LabeledText(f.Text, c.Labels.ToList().IndexOf(f.Label!))).ToList()
                )
            ),
            "sst2" => Fields.Named("data", () =>
                (
                    ClassifierData.Take(ClassifierData.ReadForLabels("sst2", c.Labels, "train"), r.MaxTrain, 0),
                    ClassifierData.Take(ClassifierData.ReadForLabels("sst2", c.Labels, "dev"), r.MaxEval, 0)
                )
            ),
            _ => throw new InputException($"data: expected feedback or sst2, got '{r.Data}'"),
        };
        var options = new XmdOptions
        {
            Er = new ErOptions { Method = method, Weight = r.ErWeight },
            Train = new ClassifierTrainOptions
            {
                Epochs = r.Epochs,
                LearningRate = r.LearningRate,
                CheckpointEvery = 0,
            },
        };
        // Global feedback words must occur somewhere: checked now, not after the job has copied the model.
        Fields.Named("feedback", () => XmdUpdate.Rows(feedback, data, c.Labels));
        return new XmdPlan(feedback, data, eval, options, r.Steps, r);
    }

    /// <summary>The job: returns the <c>xmd</c> envelope. The served classifier is read, never changed.</summary>
    public ResultEnvelope<XmdApi.XmdJobResult> Run(ExplorerContext cx, ExplorerJob job)
    {
        var served = cx.Host.Classifier!;
        job.Report("copying the served classifier");
        var copy = UpdatedModels.Copy(served);
        bool kept = false;
        try
        {
            var labels = Feedback.Select(f => (int?)served.Labels.ToList().IndexOf(f.Label!)).ToList();
            var before = new List<XmdViews.TextView>();
            for (int i = 0; i < Feedback.Count; i++)
            {
                job.Report(Line($"before: attributions of feedback text {i + 1}/{Feedback.Count}"));
                before.Add(XmdViews.View(served, Feedback[i].Text, labels[i], Steps, "served"));
            }
            string? dir = NewFolder(cx.Options.Out, job.Id);
            job.Report("measuring, then fine-tuning with the explanation loss");
            var result = XmdUpdate.Apply(copy, Feedback, Data, Eval, Options, dir, p =>
                job.Report(Line($"step {p.Step}/{p.TotalSteps}: loss {p.Loss:F4}"))
            );
            var texts = new List<XmdViews.Comparison>();
            for (int i = 0; i < Feedback.Count; i++)
            {
                job.Report(Line($"after: attributions of feedback text {i + 1}/{Feedback.Count}"));
                var after = XmdViews.View(copy, Feedback[i].Text, labels[i], Steps, "updated");
                texts.Add(new XmdViews.Comparison(before[i].Text, before[i].Explained, before[i], after));
            }
            cx.Host.Updated.Set(new UpdatedModel(job.Id, copy, dir));
            kept = true;
            var manifest = RunManifest.For(
                "xmd",
                served.Encoder,
                0,
                new Dictionary<string, string>
                {
                    ["er_method"] = Request.ErMethod,
                    ["er_weight"] = Request.ErWeight.ToString("R", CultureInfo.InvariantCulture),
                    ["epochs"] = Request.Epochs.ToString(CultureInfo.InvariantCulture),
                    ["lr"] = Request.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                    ["out"] = dir ?? "memory",
                    ["source"] = "explorer",
                }
            ) with
            {
                DataDescription = Data.Description + "; evaluation: " + Eval.Description,
            };
            var payload = new XmdApi.XmdJobResult(result, texts, Data.Description, job.Id, dir);
            return ResultEnvelope.Create("xmd", served.Encoder.Name, payload, manifest);
        }
        finally
        {
            if (!kept)
                copy.Dispose();
        }
    }

    private static string Line(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>A new folder under the output root for this job's model, or null without an output root.</summary>
    private static string? NewFolder(string? root, string id)
    {
        if (root is null)
            return null;
        Directory.CreateDirectory(root);
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string dir = Path.Combine(Path.GetFullPath(root), "xmd-" + stamp + "-" + id);
        if (Directory.Exists(dir))
            throw new InputException($"out: '{dir}' exists already");
        return dir;
    }
}
