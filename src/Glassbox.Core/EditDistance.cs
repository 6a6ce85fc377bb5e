namespace Glassbox;

/// <summary>Edit distance for "did you mean" suggestions (hook names, command-line options).</summary>
public static class EditDistance
{
    /// <summary>Levenshtein distance: the fewest single-character insertions, deletions and substitutions that turn
    /// <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int Levenshtein(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    /// <summary>The candidate nearest to <paramref name="name"/>, or null when none is within
    /// <paramref name="maxDistance"/> edits (default: a third of the name's length, at least 2).</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates, int? maxDistance = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        int limit = maxDistance ?? Math.Max(2, name.Length / 3);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Levenshtein(name, c);
            if (d < bestDistance)
                (best, bestDistance) = (c, d);
        }
        return bestDistance <= limit ? best : null;
    }
}
