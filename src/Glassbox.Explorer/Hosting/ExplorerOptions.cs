using System.Globalization;
using System.Net;

namespace Glassbox.Explorer.Hosting;

/// <summary>How <c>glassbox serve</c> starts the explorer.</summary>
public sealed record ExplorerOptions
{
    /// <summary>The default port.</summary>
    public const int DefaultPort = 5117;

    /// <summary>The fewest characters an access token may have.</summary>
    public const int MinTokenLength = 16;

    /// <summary>TCP port; 0 picks a free one.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>IP address to listen on. Anything but a loopback address needs <see cref="Token"/>.</summary>
    public string Bind { get; init; } = "127.0.0.1";

    /// <summary>Access token every request must carry (header, cookie or a first <c>?token=</c>), or null.</summary>
    public string? Token { get; init; }

    /// <summary>Activation stores the neuron pages may open: a store file or a folder of them; null for none.</summary>
    public string? Store { get; init; }

    /// <summary>Reads a store this machine has neither written nor checked in a separate process before the explorer
    /// opens it (so a store that crashes DuckDB cannot end the server); null opens stores directly.</summary>
    public Glassbox.Neurons.Store.IStoreChecker? StoreChecker { get; init; }

    /// <summary>Folder the explorer may write models to (XMD updates, each in a new sub-folder); null: nothing is
    /// written, updated models live in memory only. Created when first needed; its parent must exist.</summary>
    public string? Out { get; init; }

    /// <summary>True when <see cref="Bind"/> is a loopback address (or <c>localhost</c>).</summary>
    public bool IsLoopback => Address is { } a && IPAddress.IsLoopback(a);

    /// <summary>The address listened on: <see cref="Bind"/> parsed, <c>localhost</c> as 127.0.0.1; null when invalid.</summary>
    public IPAddress? Address =>
        string.Equals(Bind, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(Bind, out var a) ? a
        : null;

    /// <summary>Checks the options before anything is loaded; throws an <see cref="InputException"/> naming the
    /// option (the CLI exits 2).</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--port must be in 0..65535, got {Port}")
            );
        if (Address is null)
            throw new InputException(
                $"--bind must be localhost or an IP address such as 127.0.0.1 or 0.0.0.0, got '{Bind}'"
            );
        if (Token is not null && Token.Length < MinTokenLength)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--token must have at least {MinTokenLength} characters")
            );
        if (!IsLoopback && Token is null)
            throw new InputException(
                $"--bind {Bind} makes the explorer reachable from other machines: give an access token with --token"
            );
        if (Store is not null && !File.Exists(Store) && !Directory.Exists(Store))
            throw new InputException($"--store: '{Store}' is neither a store file nor a folder");
        if (Out is not null)
        {
            if (File.Exists(Out))
                throw new InputException($"--out: '{Out}' is a file; give a folder for the models the explorer writes");
            string? parent = Path.GetDirectoryName(Path.GetFullPath(Out).TrimEnd('/', '\\'));
            if (!Directory.Exists(Out) && (parent is null || !Directory.Exists(parent)))
                throw new InputException($"--out: the folder above '{Out}' does not exist");
        }
    }
}
