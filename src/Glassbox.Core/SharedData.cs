namespace Glassbox;

/// <summary>One place <see cref="SharedData"/> looks for the data folder.</summary>
/// <param name="Source">What the place is: <c>GLASSBOX_DATA</c>, <c>above the current directory</c> or
/// <c>above the tool's folder</c>.</param>
/// <param name="Start">The variable's value, or the folder whose ancestors (itself included) are searched for <c>shared/data</c>.</param>
/// <param name="Found">The data folder found there, or null.</param>
public sealed record DataSearchPlace(string Source, string Start, string? Found);

/// <summary>Finds the third-party data folder: <c>GLASSBOX_DATA</c> when set (and only it), else the first
/// <c>shared/data</c> in the current directory or one of its parents, else the first one in the folder of the running
/// program (an installed tool's folder) or one of its parents. Nothing from it is ever copied into the project.</summary>
public static class SharedData
{
    /// <summary>Environment variable naming the data folder; when set, no other place is searched.</summary>
    public const string Variable = "GLASSBOX_DATA";

    /// <summary>The data folder, or null when absent.</summary>
    public static string? Root => Search().Select(p => p.Found).FirstOrDefault(f => f is not null);

    /// <summary>The places searched, in order, with what each one gave.</summary>
    public static IReadOnlyList<DataSearchPlace> Search()
    {
        var env = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(env))
            return new[] { new DataSearchPlace(Variable, env, Directory.Exists(env) ? Path.GetFullPath(env) : null) };
        return new[]
        {
            new DataSearchPlace(
                "above the current directory",
                Directory.GetCurrentDirectory(),
                Above(Directory.GetCurrentDirectory())
            ),
            new DataSearchPlace("above the tool's folder", AppContext.BaseDirectory, Above(AppContext.BaseDirectory)),
        };
    }

    /// <summary>The data sets in the data folder (its sub-folders), sorted; empty when there is no data folder.</summary>
    public static IReadOnlyList<string> DataSets()
    {
        var root = Root;
        return root is null
            ? Array.Empty<string>()
            : Directory
                .EnumerateDirectories(root)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToArray();
    }

    private static string? Above(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
        {
            var cand = Path.Combine(d.FullName, "shared", "data");
            if (Directory.Exists(cand))
                return cand;
        }
        return null;
    }

    /// <summary>Path of a file under the data folder, or null when the folder or file is absent.</summary>
    public static string? File(params string[] parts)
    {
        var root = Root;
        if (root is null)
            return null;
        var p = Path.Combine(new[] { root }.Concat(parts).ToArray());
        return System.IO.File.Exists(p) ? p : null;
    }

    /// <summary>Path of a folder under the data folder, or null when the data folder or the folder is absent.</summary>
    public static string? Folder(params string[] parts)
    {
        var root = Root;
        if (root is null)
            return null;
        var p = Path.Combine(new[] { root }.Concat(parts).ToArray());
        return Directory.Exists(p) ? p : null;
    }
}
