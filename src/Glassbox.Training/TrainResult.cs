using System.Text.Json.Serialization;
using Glassbox.Reports;

namespace Glassbox.Training;

/// <summary>Progress of a training run, reported after every step.</summary>
/// <param name="Step">Steps done (1-based).</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Loss">Loss of this step's batch.</param>
/// <param name="LearningRate">Learning rate used by this step.</param>
public sealed record TrainProgress(int Step, int TotalSteps, double Loss, double LearningRate);

/// <summary>A checkpoint written during training.</summary>
/// <param name="Step">Steps done when it was saved (0 = initial weights).</param>
/// <param name="Directory">Model directory (loadable with <c>ModelLoader.Load</c>).</param>
public sealed record CheckpointInfo(int Step, string Directory);

/// <summary>The outcome of a training run.</summary>
/// <param name="Manifest">Provenance: options, seed, data. Not written to JSON: the result envelope (<see cref="ResultEnvelope{T}"/>) carries it beside the result.</param>
/// <param name="Data">Description of the training data.</param>
/// <param name="Parameters">Number of parameters.</param>
/// <param name="Losses">Training loss of each step (index 0 = step 1), in nats per token.</param>
/// <param name="LearningRates">Learning rate of each step.</param>
/// <param name="GradNorms">Global gradient norm before clipping, per step.</param>
/// <param name="Checkpoints">Saved checkpoints, the final model last.</param>
/// <param name="UniformLoss">Baseline: ln(vocab), the loss of a uniform prediction.</param>
/// <param name="Seconds">Wall-clock training time.</param>
public sealed record TrainResult(
    [property: JsonIgnore] RunManifest Manifest,
    string Data,
    long Parameters,
    IReadOnlyList<double> Losses,
    IReadOnlyList<double> LearningRates,
    IReadOnlyList<double> GradNorms,
    IReadOnlyList<CheckpointInfo> Checkpoints,
    double UniformLoss,
    double Seconds
)
{
    /// <summary>Mean loss of the first and last n steps, n = min(50, half the steps) so the two never overlap.</summary>
    public (double First, double Last) LossEnds
    {
        get
        {
            int n = Math.Max(1, Math.Min(50, Losses.Count / 2));
            return (Losses.Take(n).Average(), Losses.Skip(Losses.Count - n).Average());
        }
    }
}
