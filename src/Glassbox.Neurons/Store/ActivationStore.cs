using System.Globalization;
using DuckDB.NET.Data;
using Glassbox.Models;
using static Glassbox.Neurons.Store.StoreSchema;

namespace Glassbox.Neurons.Store;

/// <summary>
/// A DuckDB file of per-unit activation summaries over a corpus: statistics, histograms, top-activating excerpts and
/// a uniform token sample for quantiles (docs/neurons.md, "Activation store", gives the schema and SQL). Fill it with
/// <see cref="Harvest"/> (which resumes an interrupted store), read it with <see cref="Open(string, string)"/>: queries need no model.
/// </summary>
public sealed partial class ActivationStore : IDisposable
{
    private readonly DuckDBConnection connection;
    private readonly Dictionary<(string Hook, int Index), int> units = new();
    private readonly Dictionary<int, string> vocab = new();

    private ActivationStore(string path, DuckDBConnection connection, Dictionary<string, string> manifest)
    {
        Path = path;
        this.connection = connection;
        Manifest = manifest;
        Config = ConfigFromJson(manifest.GetValueOrDefault("model_config") ?? "null")
            ?? throw new InputException($"'{path}': the store's manifest has no model config");
    }

    /// <summary>The store file.</summary>
    public string Path { get; }

    /// <summary>The manifest: model name, weights hash and config, hooks, corpus path and hash, settings, schema.</summary>
    public IReadOnlyDictionary<string, string> Manifest { get; }

    /// <summary>Name of the model the store was harvested from.</summary>
    public string Model => Manifest.GetValueOrDefault("model") ?? "";

    /// <summary>Config of that model (for <see cref="UnitRef.Parse"/>).</summary>
    public ModelConfig Config { get; }

    /// <summary>Harvested hooks.</summary>
    public IReadOnlyList<string> Hooks => Manifest.GetValueOrDefault("hooks")?.Split(',') ?? [];

    /// <summary>Shards committed so far, and in all.</summary>
    public (int Done, int Total) Shards =>
        (
            Convert.ToInt32(Scalar(connection, "SELECT count(*) FROM shards"), CultureInfo.InvariantCulture),
            int.Parse(Manifest.GetValueOrDefault("shards") ?? "0", CultureInfo.InvariantCulture)
        );

    /// <summary>Opens an existing store for queries, checking its seal (<c>STORE.sha256</c>: the file is byte for byte
    /// what the harvest or merge that finished it wrote) and that it is a store of this schema version.</summary>
    /// <param name="path">The store file.</param>
    /// <param name="argument">The option that named it, for messages.</param>
    /// <exception cref="InputException">Missing, not a DuckDB file, corrupt, or not an activation store.</exception>
    public static ActivationStore Open(string path, string argument = "--store") =>
        Open(path, argument, sealed_: true, checker: null, out _);

    /// <summary>Opens a store as <see cref="Open(string, string)"/> does, but first has <paramref name="checker"/> read
    /// the whole store in a separate process when this machine has neither written nor checked a store with its
    /// SHA-256 (<see cref="IStoreChecker"/>): DuckDB can crash the process on a crafted file, and then it is the
    /// separate process that ends.</summary>
    /// <param name="path">The store file.</param>
    /// <param name="checker">Reads a store in a separate process; null opens without (as <see cref="Open(string, string)"/>).</param>
    /// <param name="argument">The option that named it, for messages.</param>
    /// <exception cref="InputException">As <see cref="Open(string, string)"/>, or the check process crashed or hung.</exception>
    public static ActivationStore Open(string path, IStoreChecker? checker, string argument = "--store") =>
        Open(path, argument, sealed_: true, checker, out _);

    /// <summary>Opens a store without checking its seal: for looking into a store a killed harvest left (tests).</summary>
    internal static ActivationStore OpenUnsealed(string path, string argument = "--store") =>
        Open(path, argument, sealed_: false, checker: null, out _);

    private static ActivationStore Open(
        string path,
        string argument,
        bool sealed_,
        IStoreChecker? checker,
        out string? sha256
    )
    {
        sha256 = null;
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new InputException(
                $"{argument}: store '{path}' does not exist; run 'glassbox neurons harvest' first"
            );
        if (sealed_)
        {
            sha256 = StoreSeal.Verify(path, argument);
            if (checker is not null && !CheckedStores.Contains(sha256))
            {
                checker.Check(path, argument); // throws unless the separate process read every table
                CheckedStores.Add(sha256, path);
            }
        }
        DuckDBConnection? c = null;
        try
        {
            c = Connect(path, readOnly: true);
            var manifest = ReadManifest(c);
            if (manifest.GetValueOrDefault("schema_version") != Text(SchemaVersion))
                throw new InputException(
                    $"{argument}: '{path}' has store schema version {manifest.GetValueOrDefault("schema_version") ?? "(none)"}; this Glassbox reads version {SchemaVersion}"
                );
            foreach (var t in Tables)
                Scalar(c, $"SELECT count(*) FROM {t}");
            var store = new ActivationStore(path, c, manifest);
            store.Load();
            c = null;
            return store;
        }
        catch (DuckDBException e)
        {
            throw new InputException(
                $"{argument}: '{path}' is not a readable activation store ({e.Message.ReplaceLineEndings(" ")})",
                e
            );
        }
        finally
        {
            c?.Dispose();
        }
    }

    /// <summary>Harvests <paramref name="corpusPath"/> through <paramref name="model"/> into the store at
    /// <paramref name="path"/>: creates it, or resumes it at its first unfinished shard when it exists (same model,
    /// corpus and settings required).</summary>
    /// <exception cref="InputException">Bad corpus, hooks or settings; a store of another model or other settings; a
    /// corrupt store.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; every committed shard stays, the current one is dropped.</exception>
    public static HarvestSummary Harvest(
        string path,
        HookedTransformer model,
        string corpusPath,
        HarvestOptions? options = null,
        Action<HarvestProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        var corpus = HarvestCorpus.Open(corpusPath);
        return StoreHarvester.Run(path, model, corpus, options ?? new HarvestOptions(), progress, cancellationToken);
    }

    /// <summary>The unit's top-k excerpts, best first: its k documents with the highest maximum activation, each as
    /// the window around that document's first maximum token with the unit's activation on every token. At most the
    /// harvest's top-k (manifest <c>top_k</c>): past it the union of per-shard candidates is no longer exact.</summary>
    /// <exception cref="InputException">The store has no such unit.</exception>
    public IReadOnlyList<ActivationExcerpt> Top(UnitRef unit, int k = 10) => Guard(() => TopCore(unit, k));

    private IReadOnlyList<ActivationExcerpt> TopCore(UnitRef unit, int k)
    {
        int id = Id(unit);
        if (k < 1)
            throw new InputException("-k must be at least 1");
        using var cmd = Command(
            "SELECT doc, start, ids, acts FROM excerpts WHERE unit = $1 ORDER BY act DESC, doc, pos LIMIT $2",
            id,
            Math.Min(k, int.Parse(Manifest["top_k"], CultureInfo.InvariantCulture))
        );
        using var r = cmd.ExecuteReader();
        var list = new List<ActivationExcerpt>();
        while (r.Read())
        {
            var ids = r.GetFieldValue<List<int>>(2);
            var acts = r.GetFieldValue<List<float>>(3);
            list.Add(
                new ActivationExcerpt(
                    ids.Select(i => vocab.GetValueOrDefault(i, "?")).ToList(),
                    acts,
                    r.GetInt64(0),
                    r.GetInt32(1)
                )
            );
        }
        return list;
    }

    /// <summary>The unit's summary statistics over every harvested token.</summary>
    /// <exception cref="InputException">The store has no such unit, or no shard is committed yet.</exception>
    public UnitStats Stats(UnitRef unit) => Guard(() => StatsCore(unit));

    private UnitStats StatsCore(UnitRef unit)
    {
        int id = Id(unit);
        using var cmd = Command(
            "SELECT count, mean, m2, min, max, positive FROM stats WHERE unit = $1 ORDER BY shard",
            id
        );
        using var r = cmd.ExecuteReader();
        long n = 0,
            pos = 0;
        double mean = 0,
            m2 = 0;
        float min = float.PositiveInfinity,
            max = float.NegativeInfinity;
        while (r.Read())
        {
            long nb = r.GetInt64(0);
            double mb = r.GetDouble(1),
                delta = mb - mean;
            long total = n + nb;
            m2 += r.GetDouble(2) + delta * delta * n * nb / total;
            mean += delta * nb / total;
            n = total;
            min = Math.Min(min, r.GetFloat(3));
            max = Math.Max(max, r.GetFloat(4));
            pos += r.GetInt64(5);
        }
        if (n == 0)
            throw new InputException($"'{Path}' has no harvested shard yet; run 'glassbox neurons harvest'");
        return new UnitStats(unit, n, mean, Math.Sqrt(m2 / n), min, max, (double)pos / n);
    }

    /// <summary>The unit's histogram over every harvested token.</summary>
    /// <exception cref="InputException">The store has no such unit.</exception>
    public UnitHistogram Histogram(UnitRef unit) => Guard(() => HistogramCore(unit));

    private UnitHistogram HistogramCore(UnitRef unit)
    {
        int id = Id(unit);
        using var b = Command("SELECT lo, hi, bins FROM bins WHERE unit = $1", id);
        using var br = b.ExecuteReader();
        if (!br.Read())
            throw new InputException($"'{Path}' has no histogram bins for {unit}: the store is incomplete or corrupt");
        double lo = br.GetDouble(0),
            hi = br.GetDouble(1);
        var counts = new long[br.GetInt32(2) + 2];
        using var cmd = Command(
            "SELECT bin, CAST(sum(count) AS BIGINT) FROM histograms WHERE unit = $1 GROUP BY bin",
            id
        );
        using var r = cmd.ExecuteReader();
        while (r.Read())
            counts[r.GetInt32(0)] = r.GetInt64(1);
        return new UnitHistogram(unit, lo, hi, counts[1..^1], counts[0], counts[^1]);
    }

    /// <summary>The unit's activations on the store's uniform token sample, sorted.</summary>
    /// <exception cref="InputException">The store has no such unit.</exception>
    public UnitQuantiles Quantiles(UnitRef unit) => Guard(() => QuantilesCore(unit));

    private UnitQuantiles QuantilesCore(UnitRef unit)
    {
        Id(unit);
        using var cmd = Command(
            "SELECT vals[$1] FROM quantile_samples WHERE hook = $2 ORDER BY key, doc, pos LIMIT $3",
            unit.Index + 1,
            unit.Hook,
            int.Parse(Manifest["samples"], CultureInfo.InvariantCulture)
        );
        using var r = cmd.ExecuteReader();
        var sample = new List<float>();
        while (r.Read())
            sample.Add(r.GetFloat(0));
        sample.Sort();
        return new UnitQuantiles(unit, sample);
    }

    /// <summary>Writes every table as <c>&lt;table&gt;.parquet</c> into <paramref name="directory"/> (each file
    /// written under a temporary name and moved into place); returns the files.</summary>
    public IReadOnlyList<string> ExportParquet(string directory)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        foreach (var t in Tables)
        {
            string file = System.IO.Path.Combine(directory, t + ".parquet"),
                tmp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                Exec(connection, $"COPY (SELECT * FROM {t}) TO {Literal(tmp)} (FORMAT PARQUET)");
                File.Move(tmp, file, overwrite: true);
            }
            finally
            {
                File.Delete(tmp);
            }
            files.Add(file);
        }
        return files;
    }

    /// <summary>Runs a read-only SQL query on the store and returns its rows (for ad-hoc questions and tests).</summary>
    public IReadOnlyList<object?[]> Query(string sql)
    {
        using var cmd = Command(sql);
        using var r = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object?[r.FieldCount];
            for (int i = 0; i < row.Length; i++)
                row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <inheritdoc/>
    public void Dispose() => connection.Dispose();

    // A store that opened can still hold a corrupt block, which DuckDB finds only when a query reads it.
    private T Guard<T>(Func<T> query)
    {
        try
        {
            return query();
        }
        catch (DuckDBException e)
        {
            throw new InputException(
                $"'{Path}' is not a readable activation store ({e.Message.ReplaceLineEndings(" ")})",
                e
            );
        }
    }

    /// <summary>Opens a DuckDB connection to a file.</summary>
    internal static DuckDBConnection Connect(string path, bool readOnly)
    {
        var c = new DuckDBConnection($"Data Source={path}" + (readOnly ? ";ACCESS_MODE=READ_ONLY" : ""));
        c.Open();
        if (!readOnly)
            Exec(c, "SET memory_limit = '128MB'"); // written blocks are evicted, so memory stays flat as the store grows
        return c;
    }

    private DuckDBCommand Command(string sql, params object[] args)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var a in args)
            cmd.Parameters.Add(new DuckDBParameter(a));
        return cmd;
    }

    private int Id(UnitRef unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.Sae || !units.TryGetValue((unit.Hook, unit.Index), out int id))
            throw new InputException(
                $"--unit: '{Path}' has no unit {unit} (harvested hooks: {string.Join(", ", Hooks)})"
            );
        return id;
    }

    private void Load()
    {
        using (var cmd = Command("SELECT unit, hook, idx FROM units"))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                units[(r.GetString(1), r.GetInt32(2))] = r.GetInt32(0);
        using (var cmd = Command("SELECT id, token FROM vocab"))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                vocab[r.GetInt32(0)] = r.GetString(1);
    }
}
