using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DuckDB.NET.Data;
using Glassbox.Models;
using Glassbox.Neurons.Store;
using Glassbox.Parts;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>What one worker of a (sharded) activation collection did.</summary>
/// <param name="Parts">The shared folder.</param>
/// <param name="Shard">This worker, K/N.</param>
/// <param name="Texts">Texts of the whole job.</param>
/// <param name="Shards">Shards of the whole job.</param>
/// <param name="PartsWritten">Parts this worker wrote now.</param>
/// <param name="PartsFound">Parts of this worker already written (a rerun).</param>
/// <param name="Rows">Activation rows this worker wrote now.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record ActivationCollectSummary(
    string Parts,
    string Shard,
    int Texts,
    int Shards,
    int PartsWritten,
    int PartsFound,
    long Rows,
    double Seconds
);

/// <summary>Settings of an activation collection; every worker of a job must share them.</summary>
/// <param name="ContextSize">Tokens per text at most (BOS included).</param>
/// <param name="TextsPerForward">Texts per padded forward (a chunk); the SAE trainer's value is 8.</param>
/// <param name="ShardChunks">Chunks per shard (the unit of a part and of a rerun).</param>
public sealed record ActivationCollectOptions(int ContextSize = 128, int TextsPerForward = 8, int ShardChunks = 64)
{
    /// <summary>Checks the sizes.</summary>
    /// <exception cref="InputException">Names the option.</exception>
    public void Validate()
    {
        if (ContextSize < 2)
            throw new InputException("--context must be at least 2 tokens");
        if (TextsPerForward < 1)
            throw new InputException("texts per forward must be at least 1");
        if (ShardChunks < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--shard-chunks must be at least 1, got {ShardChunks}")
            );
    }
}

/// <summary>
/// SAE activation collection split over workers (issue 14, item 10; SAELens's cached activations): the texts are cut
/// into chunks of <see cref="ActivationCollectOptions.TextsPerForward"/> (one padded forward each, exactly the chunks
/// the live trainer runs), and chunks into shards; worker K of N runs the shards s with s mod N = K and writes each as
/// a Parquet part (chunk, text, position, float32 row as a blob) into a shared <see cref="PartsFolder"/>;
/// <see cref="Merge"/> checks every part and writes the cache (<see cref="CollectedActivations"/>) a single run writes.
/// </summary>
public static class ActivationCollector
{
    /// <summary>Collects this worker's shards into parts under <paramref name="partsDirectory"/>, skipping parts
    /// already written.</summary>
    /// <param name="partsDirectory">The folder the workers share.</param>
    /// <param name="model">The model.</param>
    /// <param name="hook">Hook of shape [batch, pos, units].</param>
    /// <param name="texts">The training texts, in order.</param>
    /// <param name="shard">This worker.</param>
    /// <param name="options">Sizes.</param>
    /// <param name="dataDescription">The corpus in words, for the manifest.</param>
    /// <param name="progress">(texts done, texts to do) of this worker.</param>
    /// <param name="cancellationToken">Stops between chunks.</param>
    /// <exception cref="InputException">Bad settings or hook, no text, or a folder of another job.</exception>
    public static ActivationCollectSummary Collect(
        string partsDirectory,
        HookedTransformer model,
        string hook,
        IReadOnlyList<string> texts,
        ShardSpec shard,
        ActivationCollectOptions? options = null,
        string dataDescription = "",
        Action<int, int>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(shard);
        var o = options ?? new ActivationCollectOptions();
        o.Validate();
        long width = SaeHook.Width(model, hook);
        if (texts.Count == 0)
            throw ModelActivationChunks.Empty();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int chunks = (texts.Count + o.TextsPerForward - 1) / o.TextsPerForward;
        int shards = (chunks + o.ShardChunks - 1) / o.ShardChunks;
        var folder = new PartsFolder(partsDirectory);
        folder.Claim(Manifest(model, hook, width, texts, o, shards, dataDescription));
        var mine = Enumerable.Range(0, shards).Where(s => shard.Owns(s)).ToList();
        int found = mine.Count(folder.Has);
        var todo = mine.Where(s => !folder.Has(s)).ToList();
        int TextsOf(int s) =>
            Math.Min(o.ShardChunks * o.TextsPerForward, texts.Count - s * o.ShardChunks * o.TextsPerForward);
        int total = todo.Sum(TextsOf),
            done = 0;
        long rows = 0;
        foreach (int s in todo)
        {
            var part = new List<(int Chunk, int Text, int Pos, byte[] Row)>();
            for (int c = s * o.ShardChunks; c < Math.Min(chunks, (s + 1) * o.ShardChunks); c++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int first = c * o.TextsPerForward,
                    count = Math.Min(o.TextsPerForward, texts.Count - first);
                part.AddRange(Chunk(model, hook, texts, first, count, c, o.ContextSize));
                done += count;
                progress?.Invoke(done, total);
            }
            folder.Write(s, path => WritePart(path, part));
            rows += part.Count;
        }
        return new ActivationCollectSummary(
            folder.Path,
            shard.ToString(),
            texts.Count,
            shards,
            todo.Count,
            found,
            rows,
            clock.Elapsed.TotalSeconds
        );
    }

    /// <summary>Rows of one chunk: the texts' sequences (texts of fewer than two tokens give none), run as one
    /// forward, each row tagged with its chunk, text and token position.</summary>
    private static IEnumerable<(int, int, int, byte[])> Chunk(
        HookedTransformer model,
        string hook,
        IReadOnlyList<string> texts,
        int first,
        int count,
        int chunk,
        int contextSize
    )
    {
        var kept = new List<(int Text, int Length)>();
        var seqs = new List<IReadOnlyList<int>>();
        for (int t = first; t < first + count; t++)
        {
            var one = SaeHook.Sequences(model, [texts[t]], contextSize);
            if (one.Count == 1)
            {
                seqs.Add(one[0]);
                kept.Add((t, one[0].Count));
            }
        }
        if (seqs.Count == 0)
            return [];
        using var scope = NewDisposeScope();
        var acts = SaeHook.Rows(model, hook, seqs); // [rows, d_in], sequence by sequence, BOS left out
        var values = acts.contiguous().data<float>().ToArray();
        int width = (int)acts.shape[1];
        var list = new List<(int, int, int, byte[])>((int)acts.shape[0]);
        int r = 0;
        foreach (var (text, length) in kept)
            for (int pos = 1; pos < length; pos++, r++)
                list.Add((chunk, text, pos, Bytes(values.AsSpan(r * width, width))));
        if (r != acts.shape[0])
            throw new InvalidOperationException("row count does not match the sequences' tokens");
        return list;
    }

    private static byte[] Bytes(ReadOnlySpan<float> row)
    {
        var bytes = new byte[row.Length * sizeof(float)];
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("the activation cache stores little-endian float32");
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(row).CopyTo(bytes);
        return bytes;
    }

    private static void WritePart(string path, List<(int Chunk, int Text, int Pos, byte[] Row)> rows) =>
        PartsFolder.WriteParquet(path, "chunk INTEGER, text INTEGER, pos INTEGER, act BLOB", a =>
        {
            foreach (var (chunk, text, pos, row) in rows)
                a.CreateRow().AppendValue(chunk).AppendValue(text).AppendValue(pos).AppendValue(row).EndRow();
        });

    private static Dictionary<string, string> Manifest(
        HookedTransformer model,
        string hook,
        long width,
        IReadOnlyList<string> texts,
        ActivationCollectOptions o,
        int shards,
        string data
    )
    {
        var all = new StringBuilder();
        foreach (var t in texts)
            all.Append(t.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(t);
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kind"] = CollectedActivations.Kind,
            ["model"] = model.Name,
            ["weightsSha256"] = StoreSchema.WeightsHash(model),
            ["dtype"] = new Placement(model.DType, model.Device).DTypeName,
            ["hook"] = hook,
            ["dIn"] = I(width),
            ["context"] = I(o.ContextSize),
            ["textsPerForward"] = I(o.TextsPerForward),
            ["shardChunks"] = I(o.ShardChunks),
            ["texts"] = I(texts.Count),
            ["shards"] = I(shards),
            ["dataSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all.ToString()))),
            ["data"] = data,
        };
    }

    /// <summary>Checks that every part of a finished collection is there, then writes the cache into
    /// <paramref name="outDirectory"/>: <c>activations.parquet</c> (the parts' rows in shard order, which is chunk, text and position order) and
    /// <c>cache.json</c>, each under a temporary name and moved into place (cache.json last).</summary>
    /// <returns>The cache, opened and checked.</returns>
    /// <exception cref="InputException">A missing or stray part, or parts that do not cover the texts.</exception>
    public static CollectedActivations Merge(string partsDirectory, string outDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outDirectory);
        var folder = new PartsFolder(partsDirectory, create: false);
        var m = folder.ReadManifest();
        if (m.Values.GetValueOrDefault("kind") != CollectedActivations.Kind)
            throw new InputException($"--parts: '{folder.Path}' holds parts of another command, not sae collect");
        int shards = m.Int("shards");
        folder.RequireComplete(shards);
        Directory.CreateDirectory(outDirectory);
        File.Delete(Path.Combine(outDirectory, CollectedActivations.ManifestFile)); // a cache without it is incomplete
        string data = Path.Combine(outDirectory, CollectedActivations.DataFile);
        string tmp = Path.Combine(outDirectory, "." + Guid.NewGuid().ToString("N") + ".parquet.tmp");
        try
        {
            using (var c = new DuckDBConnection("DataSource=:memory:"))
            {
                c.Open();
                using (var set = c.CreateCommand())
                {
                    set.CommandText = "SET threads = 1"; // one thread streams the parts in order, no sort in memory
                    set.ExecuteNonQuery();
                }
                using var cmd = c.CreateCommand();
                string files = string.Join(
                    ", ",
                    Enumerable
                        .Range(0, shards)
                        .Select(i => "'" + folder.PartPath(i).Replace("'", "''", StringComparison.Ordinal) + "'")
                );
                cmd.CommandText =
                    $"COPY (SELECT chunk, text, pos, act FROM read_parquet([{files}])) TO '{tmp.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT PARQUET, ROW_GROUP_SIZE 16384)"; // small row groups: a reader holds one at a time
                try
                {
                    cmd.ExecuteNonQuery();
                }
                catch (DuckDBException e)
                {
                    throw new InputException($"--parts: a part in '{folder.Path}' cannot be read: {e.Message}");
                }
            }
            var facts = CollectedActivations.Facts(tmp, "--parts");
            var fields = new Dictionary<string, string>(m.Values, StringComparer.Ordinal)
            {
                ["rows"] = facts.Rows.ToString(CultureInfo.InvariantCulture),
                ["chunks"] = facts.Chunks.ToString(CultureInfo.InvariantCulture),
                ["rowsSha256"] = CollectedActivations.Sha256(tmp),
            };
            CollectedActivations.Check(fields, facts, "--parts", folder.Path);
            File.Move(tmp, data, overwrite: true);
            AtomicFile.WriteAllText(
                Path.Combine(outDirectory, CollectedActivations.ManifestFile),
                System.Text.Json.JsonSerializer.Serialize(fields)
            );
        }
        finally
        {
            if (File.Exists(tmp))
                File.Delete(tmp);
        }
        return CollectedActivations.Open(outDirectory);
    }
}
