using System.Diagnostics;
using System.Globalization;
using static Glassbox.Neurons.Store.StoreSchema;

namespace Glassbox.Neurons.Store;

public static partial class StoreParts
{
    /// <summary>Folds every part under <paramref name="partsDirectory"/> into the store at
    /// <paramref name="storePath"/>, in shard order with the same compaction after each shard as a single run, so the
    /// store holds exactly the rows one <see cref="ActivationStore.Harvest"/> run writes (timings aside). The store is
    /// built under a temporary name and moved into place; leftovers of killed workers are removed.</summary>
    /// <param name="partsDirectory">The workers' shared folder.</param>
    /// <param name="storePath">The store to write (replaced if it exists).</param>
    /// <param name="progress">Called after each shard.</param>
    /// <param name="cancellationToken">Stops between shards; nothing is written.</param>
    /// <returns>The merge: shards, documents, tokens.</returns>
    /// <exception cref="InputException">No base store, a part missing or incomplete, or a part of another
    /// harvest; the message lists every problem found.</exception>
    public static MergeSummary Merge(
        string partsDirectory,
        string storePath,
        Action<HarvestProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(partsDirectory);
        ArgumentNullException.ThrowIfNull(storePath);
        var sw = Stopwatch.StartNew();
        string basePath = Path.Combine(partsDirectory, BaseFile);
        if (!File.Exists(basePath))
            throw new InputException(
                $"--parts: '{partsDirectory}' has no {BaseFile}; run the workers first (glassbox neurons harvest --parts DIR --shard K/N)"
            );
        IReadOnlyDictionary<string, string> manifest;
        using (var b = ActivationStore.Open(basePath, "--parts"))
            manifest = b.Manifest;
        int shards = int.Parse(manifest.GetValueOrDefault("shards") ?? "0", CultureInfo.InvariantCulture);
        int topK = int.Parse(manifest["top_k"], CultureInfo.InvariantCulture);
        int samples = int.Parse(manifest["samples"], CultureInfo.InvariantCulture);
        CheckParts(partsDirectory, BaseId(manifest), shards);
        string full = Path.GetFullPath(storePath);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        long docs = 0,
            tokens = 0;
        try
        {
            File.Copy(basePath, tmp);
            using (var c = ActivationStore.Connect(tmp, readOnly: false))
            {
                for (int s = 0; s < shards; s++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    string part = Path.Combine(partsDirectory, PartName(s));
                    string File(string t) => Literal(Path.Combine(part, t + ".parquet"));
                    using var tx = c.BeginTransaction();
                    foreach (var t in PartTables.Where(t => t != "shards"))
                        Exec(c, $"INSERT INTO {t} SELECT * FROM read_parquet({File(t)})");
                    StoreCompaction.Compact(c, topK, samples);
                    Exec(c, $"INSERT INTO shards SELECT * FROM read_parquet({File("shards")})");
                    tx.Commit();
                    docs += Convert.ToInt64(
                        Scalar(c, "SELECT docs FROM shards WHERE shard = $1", s),
                        CultureInfo.InvariantCulture
                    );
                    tokens += Convert.ToInt64(
                        Scalar(c, "SELECT tokens FROM shards WHERE shard = $1", s),
                        CultureInfo.InvariantCulture
                    );
                    progress?.Invoke(new HarvestProgress(s + 1, shards, docs));
                }
                Exec(c, "CHECKPOINT");
            }
            StoreSeal.Remove(full);
            System.IO.File.Move(tmp, full, overwrite: true);
            StoreSeal.Write(full);
        }
        catch (DuckDB.NET.Data.DuckDBException e)
        {
            throw new InputException(
                $"--parts: '{partsDirectory}' holds an unreadable part ({e.Message.ReplaceLineEndings(" ")})",
                e
            );
        }
        finally
        {
            System.IO.File.Delete(tmp);
            System.IO.File.Delete(tmp + ".wal");
        }
        int removed = RemoveLeftovers(partsDirectory);
        return new MergeSummary(
            full,
            manifest.GetValueOrDefault("model") ?? "",
            shards,
            docs,
            tokens,
            removed,
            sw.Elapsed.TotalSeconds
        );
    }

    /// <summary>Checks every part before reading any: present, complete, of this base store and this shard, and no
    /// part past the last shard; one error lists every problem.</summary>
    private static void CheckParts(string partsDirectory, string baseId, int shards)
    {
        var problems = new List<string>();
        var missing = new List<int>();
        for (int s = 0; s < shards; s++)
        {
            string part = Path.Combine(partsDirectory, PartName(s));
            if (!Directory.Exists(part))
            {
                missing.Add(s);
                continue;
            }
            var absent = PartTables
                .Select(t => t + ".parquet")
                .Append(PartFile)
                .Where(f => !File.Exists(Path.Combine(part, f)))
                .ToList();
            if (absent.Count > 0)
            {
                problems.Add($"{PartName(s)} lacks {string.Join(", ", absent)}");
                continue;
            }
            var lines = File.ReadAllLines(Path.Combine(part, PartFile));
            string want = string.Create(CultureInfo.InvariantCulture, $"base {baseId}|shard {s}");
            if (string.Join("|", lines.Take(2)) != want)
                problems.Add(
                    $"{PartName(s)} belongs to another harvest or shard ({string.Join(", ", lines.Take(2))}; want {want.Replace("|", ", ", StringComparison.Ordinal)})"
                );
        }
        if (missing.Count > 0)
            problems.Insert(
                0,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{missing.Count} of {shards} shards have no part yet ({string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}); run their workers (--shard K/N) first"
                )
            );
        foreach (var d in Directory.EnumerateDirectories(partsDirectory, "shard-*"))
            if (
                int.TryParse(
                    Path.GetFileName(d)["shard-".Length..],
                    NumberStyles.None,
                    CultureInfo.InvariantCulture,
                    out int s
                )
                && s >= shards
            )
                problems.Add(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{Path.GetFileName(d)} is past the last shard ({shards - 1}) of this harvest"
                    )
                );
        if (problems.Count > 0)
            throw new InputException($"--parts: '{partsDirectory}': {string.Join("; ", problems)}");
    }

    /// <summary>Removes the temporary folders of workers killed while writing a part.</summary>
    private static int RemoveLeftovers(string partsDirectory)
    {
        int n = 0;
        foreach (var d in Directory.EnumerateDirectories(partsDirectory, ".shard-*.tmp"))
        {
            Directory.Delete(d, recursive: true);
            n++;
        }
        return n;
    }
}

/// <summary>A merge of a split harvest's parts into one store.</summary>
/// <param name="Store">The store written.</param>
/// <param name="Model">The harvested model.</param>
/// <param name="Shards">Shards merged.</param>
/// <param name="Documents">Documents over all shards.</param>
/// <param name="Tokens">Tokens over all shards.</param>
/// <param name="LeftoversRemoved">Temporary folders of killed workers removed from the parts folder.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record MergeSummary(
    string Store,
    string Model,
    int Shards,
    long Documents,
    long Tokens,
    int LeftoversRemoved,
    double Seconds
);
