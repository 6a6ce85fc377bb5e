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

    /// <summary>Whether a store with this SHA-256 was written or checked here.</summary>
    public static bool Contains(string sha256) =>
        CacheFolders.Roots().Any(root => File.Exists(Path.Combine(root, Folder, sha256)));

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
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the next root
            }
        }
    }
}
