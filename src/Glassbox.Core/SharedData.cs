namespace Glassbox;

/// <summary>Finds the third-party data folder (<c>shared/data</c> beside the repository, or <c>GLASSBOX_DATA</c>).
/// Nothing from it is ever copied into the project.</summary>
public static class SharedData
{
    /// <summary>The data folder, or null when absent.</summary>
    public static string? Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("GLASSBOX_DATA");
            if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                {
                    var cand = Path.Combine(d.FullName, "shared", "data");
                    if (Directory.Exists(cand)) return cand;
                }
            }
            return null;
        }
    }

    /// <summary>Path of a file under the data folder, or null when the folder or file is absent.</summary>
    public static string? File(params string[] parts)
    {
        var root = Root;
        if (root is null) return null;
        var p = Path.Combine(new[] { root }.Concat(parts).ToArray());
        return System.IO.File.Exists(p) ? p : null;
    }
}
