using System.Diagnostics;
using System.Globalization;
using Glassbox.Tensors;
using Glassbox.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Classification;

/// <summary>Progress of classifier training after a step.</summary>
/// <param name="Step">Steps done (1-based).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Epoch">Epoch of the step (1-based).</param>
/// <param name="Loss">Cross-entropy of the step's batch.</param>
/// <param name="LearningRate">Rate used by the step.</param>
public sealed record ClassifierTrainProgress(int Step, int TotalSteps, int Epoch, double Loss, double LearningRate);

/// <summary>What a training run did.</summary>
/// <param name="Examples">Training texts.</param>
/// <param name="Steps">Total steps of the run.</param>
/// <param name="ResumedFromStep">Step the run resumed from (0 for a fresh run).</param>
/// <param name="Losses">Loss of every step run in this call.</param>
/// <param name="Seconds">Wall time of this call's steps.</param>
/// <param name="ExamplesPerSecond">Training texts per second in this call (forward, backward and update).</param>
/// <param name="TrainableParameters">Parameters updated.</param>
/// <param name="Options">The options.</param>
public sealed record ClassifierTrainResult(
    int Examples,
    int Steps,
    int ResumedFromStep,
    IReadOnlyList<double> Losses,
    double Seconds,
    double ExamplesPerSecond,
    long TrainableParameters,
    ClassifierTrainOptions Options
);

/// <summary>
/// Fine-tunes a <see cref="SequenceClassifier"/>: cross-entropy, <see cref="AdamW"/> (the project's own, updated in
/// place on the model's leaves), linear warm-up then cosine decay, gradient clipping; the whole model or only the head
/// (<see cref="ClassifierTrainOptions.FreezeEncoder"/>). Deterministic given the seed: each epoch's order is a seeded
/// shuffle and each step's dropout mask comes from a generator seeded by (seed, step), so a resumed run draws exactly
/// what an uninterrupted one would. Every <see cref="ClassifierTrainOptions.CheckpointEvery"/> steps and at the end
/// the output directory is rewritten atomically as a Hugging Face classifier plus <c>trainer_state.json</c> and
/// <c>optimizer.safetensors</c> (AdamW moments), from which <c>resume</c> continues.
/// </summary>
public static class ClassifierTrainer
{
    /// <summary>Trains <paramref name="classifier"/> in place.</summary>
    /// <param name="classifier">The classifier (for a resume: the one loaded from <paramref name="outDir"/>).</param>
    /// <param name="data">Training texts; their labels must be the classifier's.</param>
    /// <param name="options">Options.</param>
    /// <param name="outDir">Checkpoint directory (the final model too), or null to write nothing.</param>
    /// <param name="progress">Called after every step.</param>
    /// <param name="resume">Continue from the state in <paramref name="outDir"/>.</param>
    /// <param name="cancel">Checked after every step (and its checkpoint).</param>
    /// <param name="objective">The loss (null: cross-entropy); its description joins the options checked on resume.</param>
    /// <exception cref="InputException">Bad options, no data, labels that differ from the classifier's, or a resume
    /// whose state is missing or was written with other options or data.</exception>
    public static ClassifierTrainResult Train(
        SequenceClassifier classifier,
        LabeledTextSet data,
        ClassifierTrainOptions options,
        string? outDir,
        Action<ClassifierTrainProgress>? progress = null,
        bool resume = false,
        CancellationToken cancel = default,
        ClassifierObjective? objective = null
    )
    {
        if (objective is not null)
            options = options with { Objective = objective.Describe() };
        options.Validate();
        if (data.Rows.Count == 0)
            throw new InputException($"{data.Description}: no training texts");
        if (!data.Labels.SequenceEqual(classifier.Labels, StringComparer.Ordinal))
            throw new InputException(
                $"{data.Description}: labels ({string.Join(", ", data.Labels)}) differ from the classifier's ({string.Join(", ", classifier.Labels)})"
            );
        if (resume && outDir is null)
            throw new InputException("--resume needs --out, the directory of the interrupted run");
        int n = data.Rows.Count,
            perEpoch = (n + options.BatchSize - 1) / options.BatchSize,
            total = perEpoch * options.Epochs;
        var dataHash = TrainState.HashData(data);
        var leaves = classifier.TrainableLeaves(options.FreezeEncoder);
        var tensors = leaves.Select(kv => kv.Value).ToList();
        using var opt = new AdamW(tensors, weightDecay: options.WeightDecay);
        int start = 0;
        if (resume)
            start = TrainState.Restore(outDir!, options, dataHash, total, leaves, opt);
        var schedule = new LrSchedule(
            options.LearningRate,
            (int)Math.Round(options.WarmupFraction * total),
            total,
            0.0
        );
        var losses = new List<double>();
        var clock = Stopwatch.StartNew();
        int[] order = Array.Empty<int>();
        int orderEpoch = -1;
        foreach (var p in tensors)
            p.requires_grad_(true);
        try
        {
            for (int step = start; step < total; step++)
            {
                int epoch = step / perEpoch;
                if (epoch != orderEpoch)
                    (order, orderEpoch) = (Shuffle(n, options.Seed, epoch), epoch);
                int from = (step % perEpoch) * options.BatchSize;
                var idx = order.Skip(from).Take(options.BatchSize).ToArray();
                double lr = schedule.At(step);
                double loss = Step(classifier, data, idx, options, step, objective);
                opt.ClipGradNorm(options.GradClip);
                opt.Step(lr);
                opt.ZeroGrad();
                if (!double.IsFinite(loss))
                    throw new GlassboxException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"training diverged at step {step + 1} (loss {loss}); lower --lr"
                        )
                    );
                losses.Add(loss);
                progress?.Invoke(new ClassifierTrainProgress(step + 1, total, epoch + 1, loss, lr));
                bool last = step + 1 == total;
                bool due = options.CheckpointEvery > 0 && (step + 1) % options.CheckpointEvery == 0;
                if (outDir is not null && (due || last))
                    TrainState.Save(
                        classifier,
                        outDir,
                        options,
                        dataHash,
                        step + 1,
                        total,
                        leaves,
                        opt,
                        keepOptimizer: !last
                    );
                cancel.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            foreach (var p in tensors)
                p.requires_grad_(false);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        int examples = Enumerable
            .Range(start, total - start)
            .Sum(s => Math.Min(options.BatchSize, n - (s % perEpoch) * options.BatchSize));
        return new ClassifierTrainResult(
            n,
            total,
            start,
            losses,
            seconds,
            seconds > 0 ? examples / seconds : 0,
            tensors.Sum(t => t.numel()),
            options
        );
    }

    private static double Step(
        SequenceClassifier classifier,
        LabeledTextSet data,
        int[] idx,
        ClassifierTrainOptions options,
        int step,
        ClassifierObjective? objective
    )
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        if (objective is not null)
        {
            var custom = objective.Loss(
                classifier,
                data,
                idx,
                options,
                new Generator(unchecked((ulong)(options.Seed * 1_000_003L + step)))
            );
            custom.backward();
            return custom.item<float>();
        }
        using var batch = classifier.Tokenize(idx.Select(i => data.Rows[i].Text).ToList(), options.MaxLength);
        var target = tensor(idx.Select(i => (long)data.Rows[i].Label).ToArray(), device: classifier.Encoder.Device);
        var dropout = new Generator(unchecked((ulong)(options.Seed * 1_000_003L + step)));
        var logits = classifier.Forward(batch, null, keepGradients: !options.FreezeEncoder, dropout); // [batch, n_labels]
        var loss = nn.functional.cross_entropy(logits, target);
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>Seeded Fisher-Yates permutation of 0..n-1 for one epoch.</summary>
    private static int[] Shuffle(int n, long seed, int epoch)
    {
        var rng = new Random(unchecked((int)(seed * 7919 + epoch * 104729 + 17)));
        var a = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
        return a;
    }
}
