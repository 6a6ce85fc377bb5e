namespace Glassbox.Explorer.Hosting;

/// <summary>The only files the explorer opens on a request's behalf: activation stores named relative to the store
/// given at start-up (a file, or a folder of <c>.duckdb</c> files). Absolute paths, <c>..</c>, other extensions and
/// links that leave the folder are refused.</summary>
public sealed class PathGuard
{
    private readonly string? _root;
    private readonly string? _single;

    /// <summary>A guard over <paramref name="store"/> (a file or folder), or over nothing when null.</summary>
    public PathGuard(string? store)
    {
        if (store is null)
            return;
        var full = Path.GetFullPath(store);
        if (File.Exists(full))
        {
            _single = full;
            _root = Path.GetDirectoryName(full);
        }
        else
            _root = full;
    }

    /// <summary>Store names the pages may ask for (file names relative to the root), sorted.</summary>
    public IReadOnlyList<string> Stores()
    {
        if (_single is not null)
            return [Path.GetFileName(_single)];
        if (_root is null || !Directory.Exists(_root))
            return [];
        return Directory
            .EnumerateFiles(_root, "*.duckdb", SearchOption.TopDirectoryOnly)
            .Where(Inside)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Full paths of the JSON files beside the stores (candidate <c>neurons score</c> records, read only by
    /// the explanation search), sorted; links that leave the folder are skipped.</summary>
    public IReadOnlyList<string> ResultFiles()
    {
        if (_root is null || !Directory.Exists(_root))
            return [];
        return Directory
            .EnumerateFiles(_root, "*.json", SearchOption.TopDirectoryOnly)
            .Where(Inside)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The full path of a store named <paramref name="name"/>; throws <see cref="InputException"/> for
    /// anything outside the roots.</summary>
    public string Resolve(string? name)
    {
        if (_root is null)
            throw new InputException("store: the explorer was started without --store");
        if (string.IsNullOrWhiteSpace(name))
            throw new InputException("store: give the name of a store");
        if (
            Path.IsPathRooted(name)
            || name.Contains("..", StringComparison.Ordinal)
            || name.IndexOfAny(['/', '\\', ':', '\0']) >= 0
            || !name.EndsWith(".duckdb", StringComparison.Ordinal)
        )
            throw new InputException($"store: '{name}' is not one of the stores this explorer serves");
        var full = Path.GetFullPath(Path.Combine(_root, name));
        if (_single is not null && !string.Equals(full, _single, StringComparison.Ordinal))
            throw new InputException($"store: '{name}' is not one of the stores this explorer serves");
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
            throw new InputException($"store: '{name}' is not one of the stores this explorer serves");
        if (!Inside(full))
            throw new InputException($"store: '{name}' links outside the store folder");
        return full;
    }

    /// <summary>True when <paramref name="full"/> is not a link, or its final target is under the root too.</summary>
    private bool Inside(string full)
    {
        var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true);
        return target is null
            || Path.GetFullPath(target.FullName)
                .StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
