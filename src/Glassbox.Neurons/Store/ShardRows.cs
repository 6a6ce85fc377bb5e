using DuckDB.NET.Data;

namespace Glassbox.Neurons.Store;

/// <summary>The appenders of one shard's rows. Disposing flushes them into the connection's open transaction; the
/// caller commits that transaction together with the shard's <c>shards</c> row.</summary>
internal sealed class ShardRows(DuckDBConnection c) : IDisposable
{
    public DuckDBAppender Stats { get; } = c.CreateAppender("stats");
    public DuckDBAppender Histograms { get; } = c.CreateAppender("histograms");
    public DuckDBAppender Excerpts { get; } = c.CreateAppender("excerpts");
    public DuckDBAppender Samples { get; } = c.CreateAppender("quantile_samples");

    public void Dispose()
    {
        Stats.Dispose();
        Histograms.Dispose();
        Excerpts.Dispose();
        Samples.Dispose();
    }
}
