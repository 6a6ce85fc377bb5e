using static TorchSharp.torch;

namespace Glassbox.Classification;

/// <summary>
/// The loss a <see cref="ClassifierTrainer"/> step minimises, for objectives beyond plain cross-entropy (explanation
/// regularisation adds a term on attributions). The trainer calls <see cref="Loss"/> inside the step's dispose scope
/// with gradients enabled, then calls <c>backward()</c> on the result.
/// </summary>
public abstract class ClassifierObjective
{
    /// <summary>A stable description of the objective and everything it depends on (weights, masks' hash); stored
    /// with the checkpoint, so a resume with another objective is refused.</summary>
    public abstract string Describe();

    /// <summary>The scalar loss of one batch, with its autograd graph.</summary>
    /// <param name="classifier">The classifier being trained.</param>
    /// <param name="data">The training data.</param>
    /// <param name="rows">Indices into <paramref name="data"/> of the batch.</param>
    /// <param name="options">The training options (max length, freezing).</param>
    /// <param name="dropout">The step's dropout generator (pass it to <see cref="SequenceClassifier.ForwardCapturing"/>).</param>
    /// <returns>A scalar tensor; the trainer reports its value as the step's loss.</returns>
    public abstract Tensor Loss(
        SequenceClassifier classifier,
        LabeledTextSet data,
        IReadOnlyList<int> rows,
        ClassifierTrainOptions options,
        Generator dropout
    );
}
