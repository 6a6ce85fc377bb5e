using System.Globalization;
using Glassbox.Tokenization;

namespace Glassbox.Training;

/// <summary>
/// Synthetic sequences that reward in-context copying and need no files: BOS (id 0), then uniformly random tokens
/// (ids 1..V-1) in which, with probability <see cref="RepeatProbability"/>, a random segment of random length
/// (<see cref="MinSegment"/>..half the sequence) starting at a random place is repeated periodically to the end.
/// Because the period and the start vary, only a content-based (induction) mechanism predicts the repeats; random
/// tokens stay unpredictable (loss ln(V-1)).
/// </summary>
/// <param name="VocabSize">Vocabulary size including BOS (at least 3).</param>
/// <param name="RepeatProbability">Fraction of sequences with a repeated segment.</param>
/// <param name="MinSegment">Shortest repeated segment.</param>
public sealed record RepeatedSegmentData(int VocabSize, double RepeatProbability = 0.9, int MinSegment = 3)
    : ITrainingData
{
    /// <inheritdoc/>
    public int? BosId => 0;

    /// <inheritdoc/>
    public ITokenizer? Tokenizer => null;

    /// <inheritdoc/>
    public string Description =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"synthetic repeated segments (vocab {VocabSize}, p(repeat) {RepeatProbability}, min segment {MinSegment})"
        );

    /// <summary>Checks the parameters.</summary>
    public RepeatedSegmentData Validate()
    {
        if (VocabSize < 3)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--vocab must be at least 3 for synthetic data, got {VocabSize}"
                )
            );
        if (RepeatProbability is < 0 or > 1)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"repeat probability must be in [0, 1], got {RepeatProbability}"
                )
            );
        if (MinSegment < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"minimum segment must be at least 1, got {MinSegment}")
            );
        return this;
    }

    /// <inheritdoc/>
    public int[] Sample(Random rng, int length)
    {
        var s = new int[length];
        s[0] = 0;
        for (int i = 1; i < length; i++)
            s[i] = rng.Next(1, VocabSize);
        int room = length - 1;
        int maxSeg = room / 2;
        if (maxSeg < MinSegment || rng.NextDouble() >= RepeatProbability)
            return s;
        int k = rng.Next(MinSegment, maxSeg + 1);
        int start = 1 + rng.Next(0, room - 2 * k + 1);
        for (int i = start + k; i < length; i++)
            s[i] = s[i - k];
        return s;
    }
}
