// Optimiser: the project's AdamW (Glassbox.Training) with weight decay 0, i.e. Adam. Its moment estimates are
// private, so a dead-feature resample restarts the optimiser as a whole (Bricken et al. reset only the moments of
// the resampled rows); the restart is documented in docs/neurons.md.
using System.Diagnostics;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Tensors;
using Glassbox.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>One logged training step.</summary>
/// <param name="Step">Step index (0-based).</param>
/// <param name="Mse">Mean over tokens of ||x̂ − x||² (summed over d_in, normalised input scale).</param>
/// <param name="L1">Mean over tokens of the (weighted) L1 term before λ.</param>
/// <param name="L0">Mean number of active features per token.</param>
public sealed record SaeStepRecord(int Step, double Mse, double L1, double L0);

/// <summary>What training produced.</summary>
/// <param name="Sae">The trained SAE (normalisation folded into its weights); the caller owns it.</param>
/// <param name="Curve">Logged steps (every step up to 200 steps, then evenly spaced).</param>
/// <param name="Resampled">Features re-initialised by dead-feature resampling, summed over events.</param>
/// <param name="ResampleEvents">(step, features resampled) per resampling event that found dead features.</param>
/// <param name="Seconds">Wall time of the whole run.</param>
/// <param name="InputSeconds">Part of it spent producing activations (model forwards, shuffling).</param>
/// <param name="Tokens">Activation vectors trained on.</param>
/// <param name="ScalingFactor">Input scale used in training (1 without normalisation).</param>
public sealed record SaeTrainResult(
    SparseAutoencoder Sae,
    IReadOnlyList<SaeStepRecord> Curve,
    int Resampled,
    IReadOnlyList<(int Step, int Count)> ResampleEvents,
    double Seconds,
    double InputSeconds,
    long Tokens,
    double ScalingFactor
)
{
    /// <summary>Optimiser steps per second, activation production included.</summary>
    public double StepsPerSecond => Curve.Count == 0 ? 0 : (Curve[^1].Step + 1) / Seconds;

    /// <summary>Steps per second of the SAE update alone (activation production excluded).</summary>
    public double SaeStepsPerSecond =>
        Curve.Count == 0 ? 0 : (Curve[^1].Step + 1) / Math.Max(1e-9, Seconds - InputSeconds);
}

/// <summary>Trains a <see cref="SparseAutoencoder"/> (Bricken et al. 2023; SAELens's standard training loop): Adam on
/// reconstruction MSE plus an L1 sparsity penalty, optional L1 warm-up, input normalisation, unit-norm decoder
/// constraint or decoder-norm-weighted L1, tied or untied decoder and dead-feature resampling.</summary>
public static class SaeTrainer
{
    /// <summary>Trains on activations streamed from <paramref name="model"/> at <paramref name="hook"/> over
    /// <paramref name="texts"/> (through <see cref="ActivationStream"/>).</summary>
    /// <exception cref="InputException">Bad options, unknown hook, or an empty corpus.</exception>
    public static SaeTrainResult Train(
        HookedTransformer model,
        string hook,
        IEnumerable<string> texts,
        SaeTrainOptions options,
        string datasetPath = "",
        Action<int, int>? progress = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var stream = new ActivationStream(
            model,
            hook,
            texts,
            options.ContextSize,
            options.BufferTokens,
            options.Seed
        );
        int dIn = (int)stream.Width;
        var config = new SaeConfig(
            dIn,
            dIn * options.ExpansionFactor,
            hook,
            SaeHook.LayerOf(hook),
            model.Name,
            ContextSize: options.ContextSize,
            DatasetPath: datasetPath
        );
        return Train(stream.Next, config, options, progress);
    }

    /// <summary>Trains on the rows of a collected <paramref name="cache"/> (<see cref="ActivationCollector"/>) instead of
    /// running the model: with the cache's context size and the trainer's chunking, the SAE is the one
    /// <see cref="Train(HookedTransformer, string, IEnumerable{string}, SaeTrainOptions, string, Action{int, int}?)"/>
    /// trains on the same texts.</summary>
    /// <exception cref="InputException">Bad options, or an unreadable cache.</exception>
    public static SaeTrainResult Train(
        CollectedActivations cache,
        SaeTrainOptions options,
        string datasetPath = "",
        Action<int, int>? progress = null
    )
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var stream = new ActivationStream(cache, options.BufferTokens, options.Seed);
        int dIn = (int)stream.Width;
        var config = new SaeConfig(
            dIn,
            dIn * options.ExpansionFactor,
            cache.Hook,
            SaeHook.LayerOf(cache.Hook),
            cache.Model,
            ContextSize: cache.ContextSize,
            DatasetPath: datasetPath
        );
        return Train(stream.Next, config, options, progress);
    }

    /// <summary>Trains on batches from <paramref name="next"/> (called with the batch size; returns
    /// [batch, d_in] float32, owned by the trainer). <paramref name="config"/> gives d_in, d_sae, hook and model; the
    /// training fields of the saved config come from <paramref name="options"/>.</summary>
    /// <exception cref="InputException">Bad options, a batch of the wrong width, or a non-finite input or loss.</exception>
    public static SaeTrainResult Train(
        Func<int, Tensor> next,
        SaeConfig config,
        SaeTrainOptions options,
        Action<int, int>? progress = null
    )
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        bool unitNorm = options.Penalty == SaeSparsityPenalty.UnitNormDecoder;
        config = config with
        {
            L1Coefficient = options.L1Coefficient,
            ScaleSparsityPenaltyByDecoderNorm = !unitNorm,
            NormalizeSaeDecoder = unitNorm,
            TiedDecoder = options.TiedDecoder,
            Seed = options.Seed,
            TrainingTokens = (long)options.Steps * options.BatchSize,
        };
        var total = Stopwatch.StartNew();
        var input = new Stopwatch();
        Tensor Batch()
        {
            input.Start();
            var x = next(options.BatchSize);
            input.Stop();
            if (x.dim() != 2 || x.shape[1] != config.DIn)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"activation batch has shape [{string.Join(", ", x.shape)}], expected [n, {config.DIn}]"
                    )
                );
            return x.to_type(ScalarType.Float32);
        }

        double scale = options.NormalizeActivations ? Scale(Batch, config.DIn) : 1;
        var sae = SparseAutoencoder.Create(config);
        var parameters = options.TiedDecoder
            ? new[] { sae.WEnc, sae.BEnc, sae.BDec }
            : new[] { sae.WEnc, sae.BEnc, sae.WDec, sae.BDec };
        foreach (var p in parameters)
            p.requires_grad_(true);
        var adam = new AdamW(parameters, weightDecay: 0);
        var curve = new List<SaeStepRecord>();
        var events = new List<(int, int)>();
        var lastFired = ones(config.DSae, ScalarType.Int64).neg_(); // [d_sae] step each feature last fired, -1 never
        var resampler = new SaeResampler(options.Seed);
        int logEvery = Math.Max(1, options.Steps / 200);
        try
        {
            for (int step = 0; step < options.Steps; step++)
            {
                using var scope = NewDisposeScope();
                var x = Batch().MulScalar(scale); // [batch, d_in]
                if (step == 0)
                    using (no_grad())
                        sae.BDec.copy_(x.mean(new long[] { 0 }));
                var wDec = options.TiedDecoder ? sae.WEnc.t() : sae.WDec; // [d_sae, d_in]
                var centred = config.ApplyBDecToInput ? x - sae.BDec : x;
                var f = nn.functional.relu(centred.matmul(sae.WEnc).Plus(sae.BEnc)); // [batch, d_sae]
                var xHat = f.matmul(wDec).Plus(sae.BDec); // [batch, d_in]
                var mse = (xHat - x).Square().sum(-1).mean();
                var weights = unitNorm ? null : wDec.norm(1); // [d_sae]
                var l1 = (weights is null ? f : f * weights).sum(-1).mean();
                double warm = options.L1WarmupSteps == 0 ? 1 : Math.Min(1, (step + 1.0) / options.L1WarmupSteps);
                var loss = mse.Plus(l1.MulScalar(options.L1Coefficient * warm));
                double lossValue = loss.item<float>();
                if (!double.IsFinite(lossValue))
                    throw new InputException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"SAE training diverged at step {step} (loss {lossValue}); lower --lr or check the inputs for NaN"
                        )
                    );
                adam.ZeroGrad();
                loss.backward();
                if (unitNorm && !options.TiedDecoder)
                    using (no_grad())
                    {
                        var g = sae.WDec.grad!; // [d_sae, d_in]
                        g.sub_((g * sae.WDec).sum(-1, keepdim: true) * sae.WDec);
                    }
                adam.Step(options.LearningRate);
                if (unitNorm)
                    using (no_grad())
                        NormalizeDecoder(sae, options.TiedDecoder);
                var active = f.detach().Greater(0); // [batch, d_sae]
                var fired = active.any(0); // [d_sae]
                using (var stepScalar = ((long)step).ToScalar())
                    lastFired.masked_fill_(fired, stepScalar);
                if (step % logEvery == 0 || step == options.Steps - 1)
                    curve.Add(
                        new SaeStepRecord(
                            step,
                            mse.item<float>(),
                            l1.item<float>(),
                            active.sum(-1).to_type(ScalarType.Float64).mean().item<double>()
                        )
                    );
                if (options.ResampleEvery > 0 && step > 0 && (step + 1) % options.ResampleEvery == 0)
                {
                    using var since = ((long)(step + 1 - options.Window)).ToScalar();
                    var dead = lastFired.lt(since); // [d_sae] silent for the whole window
                    int n = resampler.Resample(sae, options.TiedDecoder, dead, () => Batch().MulScalar(scale));
                    if (n > 0)
                    {
                        events.Add((step, n));
                        using (var s = ((long)step).ToScalar())
                            lastFired.masked_fill_(dead, s);
                        adam.Dispose();
                        adam = new AdamW(parameters, weightDecay: 0);
                    }
                }
                progress?.Invoke(step + 1, options.Steps);
            }
        }
        finally
        {
            adam.Dispose();
            lastFired.Dispose();
            foreach (var p in parameters)
                p.requires_grad_(false);
        }
        Finish(sae, options.TiedDecoder, scale);
        sae.Config = config with { ActivationScalingFactor = scale };
        total.Stop();
        return new SaeTrainResult(
            sae,
            curve,
            events.Sum(e => e.Item2),
            events,
            total.Elapsed.TotalSeconds,
            input.Elapsed.TotalSeconds,
            (long)options.Steps * options.BatchSize,
            scale
        );
    }

    /// <summary>√d_in over the mean input norm of a few batches (SAELens's estimated norm scaling factor).</summary>
    private static double Scale(Func<Tensor> batch, int dIn)
    {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < SaeTrainOptions.NormalizationBatches; i++)
        {
            using var scope = NewDisposeScope();
            var x = batch();
            sum += x.norm(1).to_type(ScalarType.Float64).sum().item<double>();
            n += x.shape[0];
        }
        double mean = sum / n;
        if (!double.IsFinite(mean))
            throw new InputException("the activations hold non-finite values (NaN or ±inf)");
        return mean > 0 ? Math.Sqrt(dIn) / mean : 1;
    }

    internal static void NormalizeDecoder(SparseAutoencoder sae, bool tied)
    {
        using var scope = NewDisposeScope();
        if (tied)
            sae.WEnc.div_(sae.WEnc.norm(0, keepdim: true).ClampMin(1e-8));
        else
            sae.WDec.div_(sae.WDec.norm(1, keepdim: true).ClampMin(1e-8));
    }

    /// <summary>Writes the tied decoder out and folds the input scale into the weights.</summary>
    private static void Finish(SparseAutoencoder sae, bool tied, double scale)
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        if (tied)
            sae.WDec.copy_(sae.WEnc.t());
        if (scale != 1)
        {
            sae.WEnc.MulScalarInPlace(scale);
            sae.WDec.DivScalarInPlace(scale);
            sae.BDec.DivScalarInPlace(scale);
        }
    }
}
