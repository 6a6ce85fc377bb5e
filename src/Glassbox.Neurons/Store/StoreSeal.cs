using System.Globalization;
using System.Security.Cryptography;

namespace Glassbox.Neurons.Store;

/// <summary>
/// The seal of a finished activation store: <c>STORE.sha256</c> beside it holds the SHA-256 and length of the file as
/// the harvest or merge that finished it left it. Opening a store for queries checks the seal before DuckDB reads a
/// byte, because DuckDB can crash the process (a segmentation fault, not an error) on some damaged files: the fuzz
/// harness found one (two 8-byte fields set to 0xFF), and DuckDB's own tracker has the same class (duckdb#21916).
/// Writers remove the seal before they change a store and write it again when they are done, so a store left by a
/// killed harvest is unsealed until the harvest is rerun. Own code: a hash file is all this needs.
/// </summary>
internal static class StoreSeal
{
    /// <summary>The seal file of a store.</summary>
    public static string PathOf(string store) => store + ".sha256";

    /// <summary>Removes the seal before a writer changes the store.</summary>
    public static void Remove(string store) => File.Delete(PathOf(store));

    /// <summary>Seals a store its writer has closed, and counts it as checked on this machine (its writer made it).</summary>
    public static void Write(string store)
    {
        var (hash, length) = Hash(store);
        AtomicFile.WriteAllText(PathOf(store), string.Create(CultureInfo.InvariantCulture, $"{hash} {length}\n"));
        CheckedStores.Add(hash, store);
    }

    /// <summary>Checks a store against its seal; returns its SHA-256.</summary>
    /// <exception cref="InputException">No seal, an unreadable seal, or a file that differs from it.</exception>
    public static string Verify(string store, string argument)
    {
        string seal = PathOf(store);
        if (!File.Exists(seal))
            throw new InputException(
                $"{argument}: '{store}' has no seal ({Path.GetFileName(seal)}): it was not finished by this Glassbox (a killed harvest, or an older version); run the same 'neurons harvest' again to finish and seal it"
            );
        var text = File.ReadAllText(seal).Trim().Split(' ');
        if (
            text.Length != 2
            || text[0].Length != 64
            || !long.TryParse(text[1], NumberStyles.None, CultureInfo.InvariantCulture, out long length)
        )
            throw new InputException($"{argument}: {seal} is not a store seal (expected 'sha256 length')");
        long actual = new FileInfo(store).Length;
        if (actual != length)
            throw Damaged(
                store,
                argument,
                string.Create(CultureInfo.InvariantCulture, $"{actual} bytes, sealed at {length}")
            );
        if (!string.Equals(Hash(store).Hash, text[0], StringComparison.OrdinalIgnoreCase))
            throw Damaged(store, argument, "its SHA-256 differs from the seal");
        return text[0].ToLowerInvariant();
    }

    private static InputException Damaged(string store, string argument, string how) =>
        new(
            $"{argument}: '{store}' was changed or damaged after Glassbox finished it ({how}); harvest or merge it again"
        );

    private static (string Hash, long Length) Hash(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return (Convert.ToHexStringLower(SHA256.HashData(f)), f.Length);
    }
}
