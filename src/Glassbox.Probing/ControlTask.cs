namespace Glassbox.Probing;

/// <summary>
/// Hewitt &amp; Liang (2019) control tasks: every word type gets a fixed random label drawn from the task's empirical
/// label distribution, so a probe can only solve the control task by memorising word identity. Selectivity =
/// task accuracy − control accuracy.
/// </summary>
public static class ControlTask
{
    /// <summary>Control labels for every row, given the row's word type (e.g. lower-cased form) and its real label.
    /// Types are mapped consistently across train and test when both are passed together.</summary>
    public static int[] Labels(IReadOnlyList<string> wordTypes, int[] taskLabels, int classes, int seed)
    {
        if (wordTypes.Count != taskLabels.Length)
            throw new InputException("word types and labels differ in length");
        var freq = new double[classes];
        foreach (var y in taskLabels)
            freq[y]++;
        for (int c = 0; c < classes; c++)
            freq[c] /= Math.Max(1, taskLabels.Length);
        var rng = new Random(seed);
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[taskLabels.Length];
        // Assign in first-appearance order so the mapping depends only on the data order and the seed.
        for (int i = 0; i < result.Length; i++)
        {
            if (!map.TryGetValue(wordTypes[i], out int label))
            {
                double u = rng.NextDouble(),
                    acc = 0;
                label = classes - 1;
                for (int c = 0; c < classes; c++)
                {
                    acc += freq[c];
                    if (u < acc)
                    {
                        label = c;
                        break;
                    }
                }
                map[wordTypes[i]] = label;
            }
            result[i] = label;
        }
        return result;
    }
}
