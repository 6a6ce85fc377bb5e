using System.Diagnostics;
using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Training;

/// <summary>
/// Trains a small decoder from scratch on an <see cref="ITrainingData"/> stream: next-token cross-entropy on every
/// position, AdamW with warm-up + cosine decay, gradient clipping. Exports checkpoints as model directories under
/// <c>out/checkpoint-{step}</c>, the final model under <c>out/final</c>, plus <c>losses.json</c>,
/// <c>loss-curve.html</c> and <c>train.json</c>. Same options and seed give identical losses.
/// </summary>
public static class Trainer
{
    /// <summary>A fresh, seeded model for the options and data.</summary>
    public static HookedTransformer NewModel(TrainOptions options, ITrainingData data)
    {
        var config = options.ModelConfig(data.VocabSize, data.BosId);
        return HookedTransformer.Create(
            config,
            ModelInit.Random(config, options.Seed),
            data.Tokenizer,
            "trained",
            source: new ModelSource(
                "trained",
                data.Description,
                string.Create(CultureInfo.InvariantCulture, $"seed {options.Seed}")
            )
        );
    }

    /// <summary>Trains a new model and writes its outputs to <paramref name="outDir"/> (when not null).</summary>
    /// <param name="options">Model and optimiser options.</param>
    /// <param name="data">Training data.</param>
    /// <param name="outDir">Output directory, or null to write nothing.</param>
    /// <param name="progress">Called after every step.</param>
    /// <param name="dataManifest">Extra provenance of the data (e.g. file → hash), added to the manifest's data
    /// entries so that <c>train.json</c> is complete when written.</param>
    public static TrainResult Train(
        TrainOptions options,
        ITrainingData data,
        string? outDir,
        Action<TrainProgress>? progress = null,
        IReadOnlyDictionary<string, string>? dataManifest = null
    )
    {
        options.Validate();
        if (options.Threads is int th)
            GlassboxRuntime.Initialize(th);
        using var model = NewModel(options, data);
        return TrainValidated(model, options, data, outDir, progress, dataManifest);
    }

    /// <summary>Trains <paramref name="model"/> in place (its weights change).</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="options">Optimiser options (the model options are not used).</param>
    /// <param name="data">Training data.</param>
    /// <param name="outDir">Output directory, or null to write nothing.</param>
    /// <param name="progress">Called after every step.</param>
    /// <param name="dataManifest">Extra provenance of the data, added to the manifest's data entries.</param>
    public static TrainResult Train(
        HookedTransformer model,
        TrainOptions options,
        ITrainingData data,
        string? outDir,
        Action<TrainProgress>? progress = null,
        IReadOnlyDictionary<string, string>? dataManifest = null
    ) => TrainValidated(model, options.Validate(), data, outDir, progress, dataManifest);

    private static TrainResult TrainValidated(
        HookedTransformer model,
        TrainOptions options,
        ITrainingData data,
        string? outDir,
        Action<TrainProgress>? progress,
        IReadOnlyDictionary<string, string>? dataManifest
    )
    {
        if (outDir is not null)
            Directory.CreateDirectory(outDir);
        var leaves = model.TrainableLeaves().Select(kv => kv.Value).ToList();
        foreach (var p in leaves)
            p.requires_grad_(true);
        var rng = new Random(unchecked((int)options.Seed));
        var schedule = new LrSchedule(options.LearningRate, options.WarmupSteps, options.Steps, options.MinLrFraction);
        var checkpointAt = options.CheckpointSteps.ToHashSet();
        var checkpoints = new List<CheckpointInfo>();
        var losses = new List<double>();
        var lrs = new List<double>();
        var norms = new List<double>();
        var clock = Stopwatch.StartNew();
        using var opt = new AdamW(leaves, options.Beta1, options.Beta2, options.Eps, options.WeightDecay);
        try
        {
            if (checkpointAt.Contains(0))
                checkpoints.Add(Save(model, outDir, 0));
            for (int step = 0; step < options.Steps; step++)
            {
                double lr = schedule.At(step);
                double loss;
                using (var scope = NewDisposeScope())
                using (var grad = enable_grad())
                {
                    var seqs = Enumerable
                        .Range(0, options.BatchSize)
                        .Select(_ => (IReadOnlyList<int>)data.Sample(rng, model.Config.NCtx))
                        .ToList();
                    using var batch = TokenBatch.FromIds(seqs, device: model.Device);
                    var l = LanguageModelLoss(model, batch, new RunOptions { KeepGradients = true });
                    l.backward();
                    loss = l.item<float>();
                }
                norms.Add(opt.ClipGradNorm(options.GradClip));
                opt.Step(lr);
                opt.ZeroGrad();
                losses.Add(loss);
                lrs.Add(lr);
                if (!double.IsFinite(loss))
                    throw new GlassboxException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"training diverged at step {step + 1} (loss {loss}); lower --lr"
                        )
                    );
                progress?.Invoke(new TrainProgress(step + 1, options.Steps, loss, lr));
                if (checkpointAt.Contains(step + 1) && step + 1 < options.Steps)
                    checkpoints.Add(Save(model, outDir, step + 1));
            }
        }
        finally
        {
            foreach (var p in leaves)
                p.requires_grad_(false);
        }
        if (checkpointAt.Contains(options.Steps))
            checkpoints.Add(Save(model, outDir, options.Steps));
        checkpoints.Add(Save(model, outDir, options.Steps, "final"));
        var manifest = RunManifest.For("train", model, options.Seed, Describe(options)) with
        {
            Data = DataEntries(data.Description, dataManifest),
        };
        var result = new TrainResult(
            manifest,
            data.Description,
            model.ParameterCount,
            losses,
            lrs,
            norms,
            outDir is null ? Array.Empty<CheckpointInfo>() : checkpoints,
            Math.Log(data.VocabSize),
            clock.Elapsed.TotalSeconds
        );
        if (outDir is not null)
        {
            ResultJson.Save(
                Path.Combine(outDir, "losses.json"),
                ResultEnvelope.Create(
                    "train",
                    model.Name,
                    new
                    {
                        steps = Enumerable.Range(1, losses.Count),
                        loss = losses,
                        learningRate = lrs,
                        gradNorm = norms,
                    },
                    manifest
                )
            );
            ResultJson.Save(
                Path.Combine(outDir, "train.json"),
                ResultEnvelope.Create("train", model.Name, result, manifest)
            );
            LossCurve.Save(Path.Combine(outDir, "loss-curve.html"), result);
        }
        return result;
    }

    /// <summary>Mean next-token cross-entropy over every position of an unpadded batch (scalar).</summary>
    public static Tensor LanguageModelLoss(
        HookedTransformer model,
        TokenBatch batch,
        RunOptions? options = null,
        IReadOnlyList<Hook>? hooks = null
    )
    {
        using var run = model.Run(batch, hooks ?? Array.Empty<Hook>(), null, options);
        return NextTokenLoss.PerToken(run.Output, batch.Ids).mean(); // [batch, pos-1] -> scalar
    }

    private static Dictionary<string, string> DataEntries(
        string description,
        IReadOnlyDictionary<string, string>? extra
    )
    {
        var d = new Dictionary<string, string> { ["data"] = description };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
            d[k] = v;
        return d;
    }

    private static CheckpointInfo Save(HookedTransformer model, string? outDir, int step, string? name = null)
    {
        if (outDir is null)
            return new CheckpointInfo(step, "");
        var dir = Path.Combine(outDir, name ?? string.Create(CultureInfo.InvariantCulture, $"checkpoint-{step}"));
        using (no_grad())
            ModelExport.Export(model, dir);
        return new CheckpointInfo(step, dir);
    }

    private static Dictionary<string, string> Describe(TrainOptions o) =>
        new()
        {
            ["layers"] = o.Layers.ToString(CultureInfo.InvariantCulture),
            ["dModel"] = o.DModel.ToString(CultureInfo.InvariantCulture),
            ["heads"] = o.Heads.ToString(CultureInfo.InvariantCulture),
            ["dHead"] = o.HeadDim.ToString(CultureInfo.InvariantCulture),
            ["dMlp"] = o.MlpDim.ToString(CultureInfo.InvariantCulture),
            ["attnOnly"] = o.AttnOnly.ToString(),
            ["layerNorm"] = o.LayerNorm.ToString(),
            ["ctx"] = o.NCtx.ToString(CultureInfo.InvariantCulture),
            ["lr"] = o.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["minLrFraction"] = o.MinLrFraction.ToString("R", CultureInfo.InvariantCulture),
            ["warmup"] = o.WarmupSteps.ToString(CultureInfo.InvariantCulture),
            ["weightDecay"] = o.WeightDecay.ToString("R", CultureInfo.InvariantCulture),
            ["gradClip"] = o.GradClip.ToString("R", CultureInfo.InvariantCulture),
            ["batch"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["steps"] = o.Steps.ToString(CultureInfo.InvariantCulture),
            ["betas"] =
                $"{o.Beta1.ToString("R", CultureInfo.InvariantCulture)},{o.Beta2.ToString("R", CultureInfo.InvariantCulture)}",
            ["checkpoints"] = string.Join(",", o.CheckpointSteps),
        };
}
