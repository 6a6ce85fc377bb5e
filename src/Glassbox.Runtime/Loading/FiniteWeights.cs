using System.Globalization;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>
/// Rejects weights with NaN or infinite values, which would otherwise load silently and poison every activation.
/// One pass per tensor (<c>isfinite(t).all()</c>); the bad values are counted only for tensors that fail.
/// </summary>
public static class FiniteWeights
{
    /// <summary>How many bad tensors a message lists by name before summarising the rest.</summary>
    public const int MaxListed = 5;

    /// <summary>The number of NaN or infinite values in <paramref name="t"/> (0 for a finite or non-float tensor).</summary>
    /// <param name="t">A tensor.</param>
    /// <returns>The count of non-finite values.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="t"/> is null.</exception>
    public static long CountNonFinite(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (!t.is_floating_point())
            return 0;
        // Fast path without a full-size temporary: a NaN or an infinity anywhere makes the sum non-finite, so a finite
        // sum proves every value finite (a sum that overflows falls through to the exact count below).
        using (var sum = t.sum())
        using (var sumFinite = sum.isfinite())
            if (sumFinite.item<bool>())
                return 0;
        using var finite = isfinite(t);
        using var all = finite.all();
        if (all.item<bool>())
            return 0;
        using var bad = finite.logical_not();
        using var n = bad.sum();
        return n.item<long>();
    }

    /// <summary>The problem text for one tensor, or null when it is finite.</summary>
    /// <param name="name">The tensor's name as stored in the file.</param>
    /// <param name="t">The tensor.</param>
    /// <returns>E.g. <c>tensor 'h.0.attn.c_attn.weight' has 3 NaN/infinite values</c>, or null.</returns>
    public static string? Problem(string name, Tensor t)
    {
        long n = CountNonFinite(t);
        return n == 0
            ? null
            : string.Create(
                CultureInfo.InvariantCulture,
                $"tensor '{name}' has {n} NaN/infinite value{(n == 1 ? "" : "s")}"
            );
    }

    /// <summary>Throws when any problem was found, naming each file and the first <see cref="MaxListed"/> bad tensors.</summary>
    /// <param name="problems">(file, problem from <see cref="Problem"/>) pairs, in reading order.</param>
    /// <exception cref="ModelFormatException">There is at least one problem.</exception>
    public static void ThrowIfAny(IReadOnlyList<(string File, string Problem)> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
            return;
        var parts = new List<string>();
        string? last = null;
        foreach (var (file, problem) in problems.Take(MaxListed))
        {
            string name = Path.GetFileName(file);
            parts.Add(name == last ? problem : $"{name}: {problem}");
            last = name;
        }
        string more =
            problems.Count > MaxListed
                ? string.Create(CultureInfo.InvariantCulture, $"; and {problems.Count - MaxListed} more tensors")
                : "";
        throw new ModelFormatException(
            $"{string.Join("; ", parts)}{more} (non-finite weights: the checkpoint is corrupt or was saved after training diverged)"
        );
    }

    /// <summary>Checks every tensor of a dictionary and throws when any has NaN or infinite values.</summary>
    /// <param name="file">The file the tensors came from.</param>
    /// <param name="weights">Name → tensor, checked in name order.</param>
    /// <exception cref="ModelFormatException">A tensor has non-finite values.</exception>
    public static void Check(string file, IReadOnlyDictionary<string, Tensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var problems = new List<(string, string)>();
        foreach (var (name, t) in weights.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (Problem(name, t) is { } p)
                problems.Add((file, p));
        }
        ThrowIfAny(problems);
    }
}
