namespace Glassbox.Classification;

/// <summary>How a sequence classifier turns the encoder's last hidden state into one vector per text.</summary>
public enum ClassifierPooling
{
    /// <summary>The [CLS] token through the pooler (dense + tanh), as Hugging Face <c>BertForSequenceClassification</c>.</summary>
    Cls,

    /// <summary>The masked mean over the real tokens (padding excluded), straight into the classifier.</summary>
    Mean,
}
