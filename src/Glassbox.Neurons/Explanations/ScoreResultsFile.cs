using System.Text.Json;
using Glassbox.Statistics;

namespace Glassbox.Neurons.Explanations;

/// <summary>One unit's explanation, its score and its shuffled-explanation baseline.</summary>
/// <param name="Unit">The unit (short form).</param>
/// <param name="Explanation">Its explanation.</param>
/// <param name="Score">Correlation score on the held-out excerpts (NaN value: the unit did not vary there).</param>
/// <param name="BaselineFrom">Units whose explanations were scored on this unit (the shuffled baseline).</param>
/// <param name="Baseline">Mean score of those explanations on this unit, or null when there was no other unit.</param>
/// <param name="HeldOutTokens">Tokens scored.</param>
/// <param name="Malformed">Simulator replies that had to be repaired (this unit's and its baseline's).</param>
public sealed record UnitScore(
    string Unit,
    string Explanation,
    Interval Score,
    IReadOnlyList<string> BaselineFrom,
    Interval? Baseline,
    int HeldOutTokens,
    int Malformed
)
{
    /// <summary>False when the unit did not vary on its held-out excerpts (no score).</summary>
    public bool Scored => double.IsFinite(Score.Value);
}

/// <summary>
/// The resumable record of a scoring run: explanations and scores per unit, rewritten atomically after every unit so
/// an interrupted run (Ctrl-C, an LLM outage) keeps what it finished; a rerun with the same fingerprint skips those
/// units. A file written with another fingerprint (model, corpus, excerpt options, explainer, simulator, seed) is
/// refused rather than mixed.
/// </summary>
public sealed class ScoreResultsFile
{
    private sealed record Stored(
        string Fingerprint,
        Dictionary<string, string> Explanations,
        Dictionary<string, UnitScore> Scores
    );

    private readonly object _gate = new();
    private readonly Stored _data;

    /// <summary>The file, or null for a run kept in memory only.</summary>
    public string? Path { get; }

    private ScoreResultsFile(string? path, Stored data) => (Path, _data) = (path, data);

    /// <summary>An in-memory record (nothing written).</summary>
    public static ScoreResultsFile InMemory(string fingerprint) =>
        new(null, new Stored(fingerprint, new(StringComparer.Ordinal), new(StringComparer.Ordinal)));

    /// <summary>Opens (or starts) the record at <paramref name="path"/>.</summary>
    /// <exception cref="InputException">The file is unreadable or was written with another fingerprint.</exception>
    public static ScoreResultsFile Open(string path, string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            return new(path, new Stored(fingerprint, new(StringComparer.Ordinal), new(StringComparer.Ordinal)));
        Stored? s;
        try
        {
            s = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), ResultJson.Options);
        }
        catch (JsonException e)
        {
            throw new InputException($"results file '{path}' is not a scoring record: {e.Message}", e);
        }
        if (s?.Explanations is null || s.Scores is null || s.Fingerprint is null)
            throw new InputException($"results file '{path}' is not a scoring record");
        if (s.Fingerprint != fingerprint)
            throw new InputException(
                $"results file '{path}' was written with other options (model, corpus, excerpts, explainer or seed); "
                    + "delete it or choose another --results file"
            );
        return new(
            path,
            new Stored(
                s.Fingerprint,
                new(s.Explanations, StringComparer.Ordinal),
                new(s.Scores, StringComparer.Ordinal)
            )
        );
    }

    /// <summary>Every scored unit of the record at <paramref name="path"/>, whatever its fingerprint (for reading and
    /// searching, never for resuming); null when the file is not a scoring record.</summary>
    public static IReadOnlyList<UnitScore>? ReadScores(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var s = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), ResultJson.Options);
            if (s?.Scores is null || s.Explanations is null || s.Fingerprint is null)
                return null;
            return s.Scores.Values.Where(x => x is { Unit: not null, Explanation: not null, Score: not null }).ToList();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The stored explanation of a unit, if any.</summary>
    public string? Explanation(string unit)
    {
        lock (_gate)
            return _data.Explanations.GetValueOrDefault(unit);
    }

    /// <summary>The stored score of a unit, if any.</summary>
    public UnitScore? Score(string unit)
    {
        lock (_gate)
            return _data.Scores.GetValueOrDefault(unit);
    }

    /// <summary>Records an explanation and saves.</summary>
    public void SetExplanation(string unit, string explanation)
    {
        lock (_gate)
        {
            _data.Explanations[unit] = explanation;
            Save();
        }
    }

    /// <summary>Records a score and saves.</summary>
    public void SetScore(UnitScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        lock (_gate)
        {
            _data.Scores[score.Unit] = score;
            Save();
        }
    }

    private void Save()
    {
        if (Path is null)
            return;
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (dir is not null)
            Directory.CreateDirectory(dir);
        ResultJson.Save(Path, _data);
    }
}
