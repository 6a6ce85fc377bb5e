using System.Globalization;
using System.Text;
using System.Text.Json;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Parts;

namespace Glassbox.Circuits.Patching;

/// <summary>What one worker of a sharded prompt-set patching run did.</summary>
/// <param name="Parts">The shared folder.</param>
/// <param name="Shard">This worker, K/N.</param>
/// <param name="Prompts">Prompt pairs of the whole job.</param>
/// <param name="Shards">Shards of the whole job.</param>
/// <param name="PartsWritten">Parts this worker wrote now.</param>
/// <param name="PartsFound">Parts of this worker already written (a rerun).</param>
/// <param name="PromptsPatched">Pairs this worker swept now.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record PatchShardSummary(
    string Parts,
    string Shard,
    int Prompts,
    int Shards,
    int PartsWritten,
    int PartsFound,
    int PromptsPatched,
    double Seconds
);

/// <summary>
/// Patching over a prompt set split over workers (issue 14, item 10; docs/scale.md): the pairs are cut into shards of
/// consecutive pairs; worker K of N sweeps the shards s with s mod N = K and writes each as a Parquet part (pair,
/// length, clean and corrupted logit differences, and the patched one per layer and column) into a shared
/// <see cref="PartsFolder"/>; <see cref="Merge"/> reads every part with DuckDB and summarises exactly as one run.
/// </summary>
public static class PromptSetPatchShards
{
    /// <summary>Pairs per shard unless given.</summary>
    public const int DefaultShardPrompts = 20;

    /// <summary>Sweeps this worker's shards into parts under <paramref name="partsDirectory"/>, skipping parts
    /// already written.</summary>
    /// <exception cref="InputException">Bad settings, or a folder that holds another job's parts.</exception>
    public static PatchShardSummary Score(
        string partsDirectory,
        HookedTransformer model,
        IReadOnlyList<PatchPrompt> prompts,
        PatchKind kind,
        ShardSpec shard,
        PatchingOptions? options = null,
        PromptSetOptions? setOptions = null,
        int shardPrompts = DefaultShardPrompts,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shard);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (shardPrompts < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--shard-prompts must be at least 1, got {shardPrompts}")
            );
        var o = options ?? new PatchingOptions();
        var prepared = PromptSetPatching.Prepare(model, prompts);
        var (layers, heads) = Axes(model, kind, prepared, o);
        int shards = (prepared.Count + shardPrompts - 1) / shardPrompts;
        var folder = new PartsFolder(partsDirectory);
        folder.Claim(
            Manifest(model, prompts, prepared, kind, o, setOptions ?? new(), layers, heads, shardPrompts, shards)
        );
        var mine = Enumerable.Range(0, shards).Where(s => shard.Owns(s)).ToList();
        int found = mine.Count(folder.Has),
            written = 0,
            done = 0,
            total = mine.Where(s => !folder.Has(s)).Sum(s => Math.Min(shardPrompts, prepared.Count - s * shardPrompts));
        foreach (int s in mine.Where(s => !folder.Has(s)))
        {
            int first = s * shardPrompts,
                count = Math.Min(shardPrompts, prepared.Count - first);
            var scores = new List<PromptPatchScores>(count);
            foreach (var p in prepared.Skip(first).Take(count))
            {
                cancellationToken.ThrowIfCancellationRequested();
                scores.AddRange(PromptSetPatching.ScorePrompts(model, [p], kind, o with { Progress = null }));
                o.Progress?.Invoke(++done, total);
            }
            folder.Write(s, path => WritePart(path, scores));
            written++;
        }
        return new PatchShardSummary(
            folder.Path,
            shard.ToString(),
            prepared.Count,
            shards,
            written,
            found,
            done,
            clock.Elapsed.TotalSeconds
        );
    }

    /// <summary>The swept layers and (head kinds) heads, checked against the model.</summary>
    internal static (IReadOnlyList<int> Layers, IReadOnlyList<int>? Heads) Axes(
        HookedTransformer model,
        PatchKind kind,
        IReadOnlyList<PreparedPatchPrompt> prompts,
        PatchingOptions o
    )
    {
        var (layers, columns, _) = ActivationPatching.Plan(
            model,
            kind,
            prompts.Min(p => p.Clean.Count),
            o with
            {
                Positions = null,
            }
        );
        return (layers, kind.IsPerHead() ? columns : null);
    }

    /// <summary>Reads every part of a finished sharded run and summarises the set (no model is loaded).</summary>
    /// <exception cref="InputException">A missing or stray part, or parts whose pairs do not match the manifest.</exception>
    public static (PromptSetPatchingResult Result, RunManifest Manifest) Merge(string partsDirectory)
    {
        var folder = new PartsFolder(partsDirectory, create: false);
        var m = folder.ReadManifest();
        if (m.Values.GetValueOrDefault("job") != "patch-set")
            throw new InputException($"--parts: '{folder.Path}' holds parts of another command, not patch-set");
        int shards = m.Int("shards"),
            count = m.Int("prompts"),
            nLayers = m.Int("rows");
        folder.RequireComplete(shards);
        var cells = folder.Query(
            "SELECT prompt, length, clean, corrupted, row, col, score FROM parts ORDER BY prompt, row, col",
            r =>
                (
                    Prompt: r.GetInt32(0),
                    Length: r.GetInt32(1),
                    Clean: r.GetDouble(2),
                    Corrupted: r.GetDouble(3),
                    Row: r.GetInt32(4),
                    Col: r.GetInt32(5),
                    Score: r.GetFloat(6)
                )
        );
        var scores = new List<PromptPatchScores>();
        foreach (var g in cells.GroupBy(c => c.Prompt))
        {
            var first = g.First();
            int cols = g.Max(c => c.Col) + 1;
            var grid = Enumerable.Range(0, nLayers).Select(_ => new float[cols]).ToArray();
            int n = 0;
            foreach (var c in g)
            {
                if (c.Row >= nLayers || c.Col < 0)
                    throw new InputException($"--parts: a part in '{folder.Path}' has a cell outside the sweep");
                grid[c.Row][c.Col] = c.Score;
                n++;
            }
            if (n != nLayers * cols)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"--parts: a part in '{folder.Path}' lacks cells of prompt {first.Prompt}"
                    )
                );
            scores.Add(new PromptPatchScores(first.Prompt, first.Length, first.Clean, first.Corrupted, grid));
        }
        if (scores.Count != count || scores.Select((x, i) => x.Prompt != i).Any(b => b))
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--parts: the parts hold {scores.Count} prompts, not prompts 0..{count - 1} once each"
                )
            );
        var kind = PatchKinds.Parse(m.Text("hook"));
        var heads = m.Text("heads") is { Length: > 0 } h
            ? h.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToList()
            : null;
        var result = PromptSetPatching.Summarise(
            m.Text("model"),
            scores,
            kind,
            Enum.Parse<PatchMode>(m.Text("mode"), ignoreCase: true),
            m.Text("layers").Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToList(),
            heads,
            JsonSerializer.Deserialize<List<string>>(m.Text("labels")),
            new PromptSetOptions(m.Int("resamples"), m.Int("seed"))
        );
        var manifest = m.ToRun(
            "patch-set",
            string.Create(CultureInfo.InvariantCulture, $"{count} prompt pairs under {folder.Path}"),
            "hook",
            "mode",
            "chunkSize",
            "resamples",
            "shardPrompts"
        );
        return (result, manifest);
    }

    private static Dictionary<string, string> Manifest(
        HookedTransformer model,
        IReadOnlyList<PatchPrompt> prompts,
        IReadOnlyList<PreparedPatchPrompt> prepared,
        PatchKind kind,
        PatchingOptions o,
        PromptSetOptions set,
        IReadOnlyList<int> layers,
        IReadOnlyList<int>? heads,
        int shardPrompts,
        int shards
    )
    {
        var text = new StringBuilder();
        foreach (var p in prompts)
            text.Append(p.Clean)
                .Append('\t')
                .Append(p.Corrupted)
                .Append('\t')
                .Append(p.Answer)
                .Append('\t')
                .Append(p.Wrong)
                .Append('\n');
        var m = PartsManifest.For(
            model.Name,
            model.Source?.Kind ?? "",
            model.Source?.Sha256 ?? "",
            new Placement(model.DType, model.Device).DTypeName,
            text.ToString(),
            [
                ("prompts", prepared.Count),
                ("rows", layers.Count),
                ("shardPrompts", shardPrompts),
                ("shards", shards),
                ("seed", set.Seed),
                ("resamples", set.Resamples),
                ("chunkSize", o.ChunkSize),
            ]
        );
        m["job"] = "patch-set";
        m["hook"] = kind.Name();
        m["mode"] = o.Mode.ToString().ToLowerInvariant();
        m["layers"] = string.Join(',', layers.Select(l => l.ToString(CultureInfo.InvariantCulture)));
        m["heads"] = heads is null ? "" : string.Join(',', heads.Select(h => h.ToString(CultureInfo.InvariantCulture)));
        m["labels"] = JsonSerializer.Serialize(Labels(model, prepared));
        return m;
    }

    /// <summary>Column labels of a same-length position sweep: "3: Lily" from the first prompt's tokens.</summary>
    internal static List<string> Labels(HookedTransformer model, IReadOnlyList<PreparedPatchPrompt> prompts)
    {
        var ids = prompts[0].Clean;
        return ids.Select(
                (id, i) =>
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{i}: {model.Tokenizer?.Decode([id]) ?? id.ToString(CultureInfo.InvariantCulture)}"
                    )
            )
            .ToList();
    }

    private static void WritePart(string path, IReadOnlyList<PromptPatchScores> scores) =>
        PartsFolder.WriteParquet(
            path,
            "prompt INTEGER, length INTEGER, clean DOUBLE, corrupted DOUBLE, row INTEGER, col INTEGER, score FLOAT",
            a =>
            {
                foreach (var s in scores)
                    for (int r = 0; r < s.Scores.Length; r++)
                    for (int c = 0; c < s.Scores[r].Length; c++)
                        a.CreateRow()
                            .AppendValue(s.Prompt)
                            .AppendValue(s.Length)
                            .AppendValue(s.Clean)
                            .AppendValue(s.Corrupted)
                            .AppendValue(r)
                            .AppendValue(c)
                            .AppendValue(s.Scores[r][c])
                            .EndRow();
            }
        );
}
