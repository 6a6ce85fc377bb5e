namespace Glassbox;

/// <summary>Where Glassbox keeps per-user files it can recreate: <c>$GLASSBOX_CACHE</c>, else
/// <c>$XDG_CACHE_HOME/glassbox</c>, else <c>~/.cache/glassbox</c>, else a folder in the temp folder, in that order of
/// preference (a caller tries the next when one cannot be written).</summary>
public static class CacheFolders
{
    /// <summary>Environment variable naming the cache folder.</summary>
    public const string Variable = "GLASSBOX_CACHE";

    /// <summary>The candidate cache roots, most preferred first.</summary>
    public static IReadOnlyList<string> Roots()
    {
        var env = Environment.GetEnvironmentVariable(Variable);
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new[]
        {
            string.IsNullOrEmpty(env) ? null : env,
            string.IsNullOrEmpty(xdg) ? null : Path.Combine(xdg, "glassbox"),
            string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "glassbox"),
            Path.Combine(Path.GetTempPath(), $"glassbox-{Environment.UserName}"),
        }
            .OfType<string>()
            .ToArray();
    }
}
