using System.Globalization;
using DuckDB.NET.Data;
using static Glassbox.Neurons.Store.StoreSchema;

namespace Glassbox.Neurons.Store;

public sealed partial class ActivationStore
{
    /// <summary>Opens a store in this process (seal first) and reads every value of every table, so that DuckDB
    /// decompresses each stored block once, then records the store as checked on this machine: what <c>glassbox neurons check</c> runs in the separate process of an
    /// <see cref="IStoreChecker"/>. Run it in a process you can afford to lose: on a crafted file DuckDB may crash it.</summary>
    /// <param name="path">The store file.</param>
    /// <param name="argument">The option that named it, for messages.</param>
    /// <returns>The rows of each table.</returns>
    /// <exception cref="InputException">As <see cref="Open(string, string)"/>, or a block DuckDB finds corrupt.</exception>
    public static StoreVerification Verify(string path, string argument = "--store")
    {
        using var store = Open(path, argument, sealed_: true, checker: null, out string? sha256);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var t in Tables)
            rows[t] = store.Guard(() => ReadWhole(store.connection, t));
        CheckedStores.Add(sha256!, path); // read whole without a crash: later opens here need no separate process
        return new StoreVerification(path, store.Model, rows);
    }

    // Every column hashed and folded: DuckDB reads and decompresses each value, but returns one row.
    private static long ReadWhole(DuckDBConnection c, string table)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {table}";
        using var r = cmd.ExecuteReader();
        r.Read();
        return Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture);
    }
}

/// <summary>What <see cref="ActivationStore.Verify"/> read.</summary>
/// <param name="Store">The store file.</param>
/// <param name="Model">The model it was harvested from.</param>
/// <param name="Rows">Rows of each table, in export order.</param>
public sealed record StoreVerification(string Store, string Model, IReadOnlyDictionary<string, long> Rows);
