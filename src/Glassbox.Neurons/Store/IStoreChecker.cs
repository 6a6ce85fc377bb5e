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
    /// <returns>True when the process read every table; false when it ended with a clear error (DuckDB's exception,
    /// which opening the store in this process raises again with this process's names).</returns>
    /// <exception cref="InputException">The process crashed, hung or could not be started.</exception>
    bool Check(string path, string argument);
}
