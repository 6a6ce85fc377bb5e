using Glassbox.Classification;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Concepts;

/// <summary>A sequence classifier's logit of one class, through the encoder's hooked call path.</summary>
public sealed class ClassifierLogitTarget : ITcavTarget
{
    private readonly SequenceClassifier _classifier;
    private readonly int _label;

    /// <summary>Targets the logit of class <paramref name="label"/> (a label name, case-insensitive).</summary>
    /// <exception cref="InputException">The classifier has no such class (the message lists its classes).</exception>
    public ClassifierLogitTarget(SequenceClassifier classifier, string label)
    {
        _classifier = classifier;
        _label = classifier.Labels.ToList().FindIndex(l => string.Equals(l, label, StringComparison.OrdinalIgnoreCase));
        if (_label < 0)
            throw new InputException(
                $"--target: the classifier has no class '{label}'; its classes are {string.Join(", ", classifier.Labels)}"
            );
        Name = "logit of class '" + classifier.Labels[_label] + "'";
    }

    /// <summary>Index of the class among the classifier's labels.</summary>
    public int Label => _label;

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public HookedTransformer Model => _classifier.Encoder;

    /// <inheritdoc/>
    public TokenBatch Tokenize(IReadOnlyList<string> texts) => _classifier.Tokenize(texts);

    /// <inheritdoc/>
    public Tensor Value(TokenBatch batch, IReadOnlyList<Hook> hooks) =>
        _classifier.Logits(batch, hooks, keepGradients: true).select(1, _label); // [batch]
}
