using DuckDB.NET.Data;
using static Glassbox.Neurons.Store.StoreSchema;

namespace Glassbox.Neurons.Store;

/// <summary>
/// Folds the committed shards into one merged state after each shard, inside that shard's transaction, so the store
/// keeps a constant size however many shards it holds: per unit the top-k excerpts of the union, per hook the bottom-n
/// quantile samples by key, the statistics merged by Chan's update and the histograms summed (both under shard
/// <see cref="Merged"/>). Every one of these merges is exact, so readers give what they gave over per-shard rows.
/// </summary>
internal static class StoreCompaction
{
    /// <summary>The shard id of merged statistics and histogram rows.</summary>
    public const int Merged = -1;

    /// <summary>Compacts every table of per-shard rows; call inside the transaction that adds the shard.</summary>
    public static void Compact(DuckDBConnection c, int topK, int samples)
    {
        Exec(
            c,
            """
            DELETE FROM excerpts WHERE rowid IN (
                SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY unit ORDER BY act DESC, doc, pos) AS r
                    FROM excerpts) WHERE r > $1)
            """,
            topK
        );
        Exec(
            c,
            """
            DELETE FROM quantile_samples WHERE rowid IN (
                SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY hook ORDER BY key, doc, pos) AS r
                    FROM quantile_samples) WHERE r > $1)
            """,
            samples
        );
        Exec(
            c,
            $"""
            CREATE TEMP TABLE merged_stats AS
                WITH t AS (SELECT unit, sum(count) AS n,
                    coalesce(sum(count * mean) / nullif(sum(count), 0), 0) AS mean FROM stats GROUP BY unit)
                SELECT {Text(Merged)} AS shard, s.unit, CAST(t.n AS BIGINT) AS count, t.mean,
                    sum(s.m2) + sum(s.count * (s.mean - t.mean) * (s.mean - t.mean)) AS m2,
                    min(s.min) AS min, max(s.max) AS max, CAST(sum(s.positive) AS BIGINT) AS positive
                FROM stats s JOIN t USING (unit) GROUP BY s.unit, t.n, t.mean;
            DELETE FROM stats;
            INSERT INTO stats SELECT shard, unit, count, mean, m2, min, max, positive FROM merged_stats;
            DROP TABLE merged_stats;
            CREATE TEMP TABLE merged_histograms AS
                SELECT {Text(Merged)} AS shard, unit, bin, CAST(sum(count) AS BIGINT) AS count
                FROM histograms GROUP BY unit, bin;
            DELETE FROM histograms;
            INSERT INTO histograms SELECT shard, unit, bin, count FROM merged_histograms;
            DROP TABLE merged_histograms;
            """
        );
    }
}
