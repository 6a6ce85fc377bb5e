using System.Globalization;

namespace Glassbox;

/// <summary>
/// One worker's share of a corpus-scale job split over <see cref="Count"/> workers: work item i (a store shard, a
/// phenomenon, a prompt group) belongs to worker i mod Count, so the split is deterministic and a rerun of any
/// worker does exactly the same items. Written <c>K/N</c>; either side may be <c>auto</c>, read from the scheduler:
/// the index from <c>JOB_COMPLETION_INDEX</c> (a Kubernetes Indexed Job) or <c>SLURM_ARRAY_TASK_ID</c> minus
/// <c>SLURM_ARRAY_TASK_MIN</c> (a Slurm job array), the count from <c>SLURM_ARRAY_TASK_COUNT</c> or
/// <c>GLASSBOX_SHARD_COUNT</c>.
/// </summary>
/// <param name="Index">This worker, 0 ≤ Index &lt; Count.</param>
/// <param name="Count">Workers in all, ≥ 1.</param>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>The whole job in one worker.</summary>
    public static ShardSpec Single { get; } = new(0, 1);

    /// <summary>Whether work item <paramref name="item"/> (≥ 0) is this worker's.</summary>
    public bool Owns(long item) => item % Count == Index;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>Parses <c>K/N</c> (either side may be <c>auto</c>).</summary>
    /// <param name="text">The option's value.</param>
    /// <param name="argument">The option, for messages.</param>
    /// <param name="environment">Reads a variable; default the process environment.</param>
    /// <exception cref="InputException">Not K/N, out of range, or <c>auto</c> without the scheduler's variable.</exception>
    public static ShardSpec Parse(string text, string argument = "--shard", Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        var parts = text.Split('/');
        if (parts.Length != 2)
            throw new InputException(
                $"{argument}: '{text}' is not K/N (worker K of N, from 0; e.g. 2/8 or auto/8 under a scheduler)"
            );
        int count =
            parts[1].Trim() == "auto" ? AutoCount(argument, environment) : Number(parts[1], argument, "N", text);
        int index =
            parts[0].Trim() == "auto" ? AutoIndex(argument, environment) : Number(parts[0], argument, "K", text);
        if (count < 1)
            throw new InputException($"{argument}: '{text}' has N = {Str(count)} workers; N must be at least 1");
        if (index < 0 || index >= count)
            throw new InputException(
                $"{argument}: '{text}' has K = {Str(index)}, outside 0..{Str(count - 1)} (workers count from 0)"
            );
        return new ShardSpec(index, count);
    }

    private static int Number(string s, string argument, string what, string text) =>
        int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InputException(
                $"{argument}: '{text}' has {what} = '{s}', not a whole number (or auto); the form is K/N, e.g. 2/8"
            );

    private static int AutoIndex(string argument, Func<string, string?> env)
    {
        if (env("JOB_COMPLETION_INDEX") is { } k8s)
            return Variable(k8s, "JOB_COMPLETION_INDEX", argument);
        if (env("SLURM_ARRAY_TASK_ID") is { } slurm)
            return Variable(slurm, "SLURM_ARRAY_TASK_ID", argument)
                - (env("SLURM_ARRAY_TASK_MIN") is { } min ? Variable(min, "SLURM_ARRAY_TASK_MIN", argument) : 0);
        throw new InputException(
            $"{argument}: K = auto needs JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array); neither is set"
        );
    }

    private static int AutoCount(string argument, Func<string, string?> env)
    {
        if (env("SLURM_ARRAY_TASK_COUNT") is { } slurm)
            return Variable(slurm, "SLURM_ARRAY_TASK_COUNT", argument);
        if (env("GLASSBOX_SHARD_COUNT") is { } own)
            return Variable(own, "GLASSBOX_SHARD_COUNT", argument);
        throw new InputException(
            $"{argument}: N = auto needs SLURM_ARRAY_TASK_COUNT (Slurm job array) or GLASSBOX_SHARD_COUNT; neither is set"
        );
    }

    private static int Variable(string value, string name, string argument) =>
        int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InputException($"{argument}: environment variable {name} = '{value}' is not a whole number");

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);
}
