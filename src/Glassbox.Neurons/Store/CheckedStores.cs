namespace Glassbox.Neurons.Store;

/// <summary>
/// The stores this machine's user has written or had checked in a separate process, by SHA-256: one small file per
/// store in <c>checked-stores/</c> of the cache folder (<see cref="CacheFolders"/>). A store whose hash is listed is
/// opened directly; any other store is first read whole by an <see cref="IStoreChecker"/>. One file per hash, created
/// atomically, so concurrent writers need no lock. Own code: a folder of names is all this needs.
/// </summary>
internal static class CheckedStores
{
    private const string Folder = "checked-stores";

    /// <summary>Entries not used for this long are removed when a store is added (the list cannot grow without bound;
    /// a store whose entry went is only checked again).</summary>
    private static readonly TimeSpan Unused = TimeSpan.FromDays(90);

    /// <summary>Whether a store with this SHA-256 was written or checked here (and marks the entry as used).</summary>
    public static bool Contains(string sha256)
    {
        foreach (var root in CacheFolders.Roots())
        {
            var entry = Path.Combine(root, Folder, sha256);
            if (!File.Exists(entry))
                continue;
            try
            {
                File.SetLastWriteTimeUtc(entry, DateTime.UtcNow);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // still listed; only its age is not refreshed
            }
            return true;
        }
        return false;
    }

    /// <summary>Records a store as written or checked here (best effort: a cache that cannot be written only means
    /// the store is checked again next time).</summary>
    public static void Add(string sha256, string store)
    {
        foreach (var root in CacheFolders.Roots())
        {
            try
            {
                var dir = Path.Combine(root, Folder);
                Directory.CreateDirectory(dir);
                AtomicFile.WriteAllText(Path.Combine(dir, sha256), Path.GetFullPath(store) + "\n");
                Prune(dir);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the next root
            }
        }
    }

    private static void Prune(string dir)
    {
        var before = DateTime.UtcNow - Unused;
        foreach (var f in new DirectoryInfo(dir).EnumerateFiles())
            try
            {
                if (f.LastWriteTimeUtc < before)
                    f.Delete();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another process's entry, or gone already
            }
    }
}
