using Glassbox.Tokenization;

namespace Glassbox.Training;

/// <summary>A stream of training sequences drawn with a caller-owned random generator (so a seed fixes the data).</summary>
public interface ITrainingData
{
    /// <summary>Vocabulary size of the model to train.</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence id that starts every sequence, if any.</summary>
    int? BosId { get; }

    /// <summary>Tokenizer saved with the model, or null for synthetic token ids.</summary>
    ITokenizer? Tokenizer { get; }

    /// <summary>Short description for manifests and reports.</summary>
    string Description { get; }

    /// <summary>One sequence of exactly <paramref name="length"/> token ids.</summary>
    int[] Sample(Random rng, int length);
}
