using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using DuckDB.NET.Data;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Store;

/// <summary>
/// The DuckDB schema of an activation store (version <see cref="SchemaVersion"/>). A shard's rows and its
/// <c>shards</c> row are committed in one transaction, which also folds them into the merged state
/// (<see cref="StoreCompaction"/>: sum of counts, Chan's update of means and M2, top-k of the union of top-k,
/// bottom-n of the union of bottom-n sample keys), so the store keeps a constant size; readers still merge whatever
/// rows they find, which gives exactly what one pass over all documents would.
/// </summary>
internal static class StoreSchema
{
    /// <summary>Schema version written to the manifest.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Every table, in export order.</summary>
    public static readonly string[] Tables =
    {
        "manifest",
        "units",
        "vocab",
        "bins",
        "shards",
        "stats",
        "histograms",
        "excerpts",
        "quantile_samples",
    };

    public const string Ddl = """
        CREATE TABLE manifest(key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        CREATE TABLE units(unit INTEGER PRIMARY KEY, hook VARCHAR NOT NULL, idx INTEGER NOT NULL, layer INTEGER);
        CREATE TABLE vocab(id INTEGER PRIMARY KEY, token VARCHAR NOT NULL);
        CREATE TABLE bins(unit INTEGER PRIMARY KEY, lo DOUBLE NOT NULL, hi DOUBLE NOT NULL, bins INTEGER NOT NULL);
        CREATE TABLE shards(shard INTEGER PRIMARY KEY, first_doc BIGINT NOT NULL, docs INTEGER NOT NULL,
            tokens BIGINT NOT NULL, truncated INTEGER NOT NULL, seconds DOUBLE NOT NULL, finished_utc VARCHAR NOT NULL);
        CREATE TABLE stats(shard INTEGER NOT NULL, unit INTEGER NOT NULL, count BIGINT NOT NULL, mean DOUBLE NOT NULL,
            m2 DOUBLE NOT NULL, min FLOAT NOT NULL, max FLOAT NOT NULL, positive BIGINT NOT NULL);
        CREATE TABLE histograms(shard INTEGER NOT NULL, unit INTEGER NOT NULL, bin INTEGER NOT NULL,
            count BIGINT NOT NULL);
        CREATE TABLE excerpts(shard INTEGER NOT NULL, unit INTEGER NOT NULL, act FLOAT NOT NULL, doc BIGINT NOT NULL,
            pos INTEGER NOT NULL, start INTEGER NOT NULL, ids INTEGER[] NOT NULL, acts FLOAT[] NOT NULL);
        CREATE TABLE quantile_samples(shard INTEGER NOT NULL, key BIGINT NOT NULL, doc BIGINT NOT NULL,
            pos INTEGER NOT NULL, hook VARCHAR NOT NULL, vals FLOAT[] NOT NULL);
        CREATE VIEW unit_stats AS
            WITH t AS (SELECT unit, CAST(sum(count) AS BIGINT) AS n, sum(count * mean) / sum(count) AS mean FROM stats GROUP BY unit)
            SELECT s.unit, t.n AS count, t.mean,
                sqrt((sum(s.m2) + sum(s.count * (s.mean - t.mean) * (s.mean - t.mean))) / t.n) AS std,
                min(s.min) AS min, max(s.max) AS max, sum(s.positive) / t.n AS fraction_positive
            FROM stats s JOIN t USING (unit) GROUP BY s.unit, t.n, t.mean;
        CREATE VIEW unit_histograms AS
            SELECT h.unit, h.bin,
                CASE WHEN h.bin = 0 THEN '-inf'::DOUBLE WHEN h.bin > b.bins THEN b.hi
                    ELSE b.lo + (h.bin - 1) * (b.hi - b.lo) / b.bins END AS lo,
                CASE WHEN h.bin = 0 THEN b.lo WHEN h.bin > b.bins THEN 'inf'::DOUBLE
                    ELSE b.lo + h.bin * (b.hi - b.lo) / b.bins END AS hi,
                CAST(sum(h.count) AS BIGINT) AS count
            FROM histograms h JOIN bins b USING (unit) GROUP BY h.unit, h.bin, b.lo, b.hi, b.bins;
        CREATE VIEW unit_top AS
            SELECT unit, row_number() OVER (PARTITION BY unit ORDER BY act DESC, doc, pos) AS rank,
                act, doc, pos, start, ids, acts
            FROM excerpts QUALIFY rank <= (SELECT CAST(value AS INTEGER) FROM manifest WHERE key = 'top_k');
        """;

    /// <summary>Manifest keys that must agree for a harvest to resume a store.</summary>
    public static readonly string[] ResumeKeys =
    {
        "model_sha256",
        "hooks",
        "corpus_sha256",
        "documents",
        "top_k",
        "window_before",
        "window_after",
        "shard_docs",
        "bins",
        "calibration_docs",
        "samples",
        "seed",
    };

    private static readonly JsonSerializerOptions ConfigJson = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The model's config as JSON (enums by name).</summary>
    public static string ConfigToJson(ModelConfig c) => JsonSerializer.Serialize(c, ConfigJson);

    /// <summary>Reads a config written by <see cref="ConfigToJson"/>.</summary>
    public static ModelConfig? ConfigFromJson(string json) => JsonSerializer.Deserialize<ModelConfig>(json, ConfigJson);

    /// <summary>SHA-256 over the weights: each name (sorted), shape and float32 values, so two loads of one checkpoint
    /// agree and any other model differs. A layer-streaming model holds only its resident weights, so the hash of its
    /// checkpoint files (which hold the blocks) is added.</summary>
    public static string WeightsHash(HookedTransformer m)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (m.StreamsLayers)
            h.AppendData(
                System.Text.Encoding.UTF8.GetBytes(
                    "streamed:"
                        + (
                            m.Source?.Sha256
                            ?? throw new InputException($"{m.Name}: a layer-streaming model without a checkpoint hash")
                        )
                )
            );
        foreach (var name in m.Weights.Keys.Order(StringComparer.Ordinal))
        {
            using var scope = NewDisposeScope();
            var t = m.Weights[name];
            h.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "[" + string.Join(",", t.shape) + "]"));
            var values = t.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>Runs SQL without results.</summary>
    public static void Exec(DuckDBConnection c, string sql, params object[] args)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var a in args)
            cmd.Parameters.Add(new DuckDBParameter(a));
        cmd.ExecuteNonQuery();
    }

    /// <summary>Runs a scalar query.</summary>
    public static object? Scalar(DuckDBConnection c, string sql, params object[] args)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var a in args)
            cmd.Parameters.Add(new DuckDBParameter(a));
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }

    /// <summary>Reads the manifest table.</summary>
    public static Dictionary<string, string> ReadManifest(DuckDBConnection c)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT key, value FROM manifest";
        using var r = cmd.ExecuteReader();
        while (r.Read())
            d[r.GetString(0)] = r.GetString(1);
        return d;
    }

    /// <summary>Invariant text of a number.</summary>
    public static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A SQL string literal.</summary>
    public static string Literal(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
}
