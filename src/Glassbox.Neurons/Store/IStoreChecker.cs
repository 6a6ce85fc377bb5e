namespace Glassbox.Neurons.Store;

/// <summary>
/// Reads a whole activation store in a separate process (<c>glassbox neurons check</c>), so that a store which crashes
/// DuckDB (a native fault, which no exception handler in this process could catch) ends that process instead of this
/// one. <see cref="ActivationStore.Open(string, IStoreChecker, string)"/> calls it for a store this machine has neither
/// written nor checked; the CLI and the explorer pass one. <see cref="ProcessStoreChecker"/> is the implementation.
/// </summary>
public interface IStoreChecker
{
    /// <summary>Reads the store at <paramref name="path"/> whole in a separate process.</summary>
    /// <param name="path">The store file (its seal already checked).</param>
    /// <param name="argument">The option that named it, for messages.</param>
    /// <exception cref="InputException">The process found the store unreadable (its one-line error, named by
    /// <paramref name="argument"/>), crashed, hung or could not be started.</exception>
    void Check(string path, string argument);
}
