namespace Glassbox.Cli;

/// <summary>Where commands write files nobody named: under <c>out/</c> in the current directory (git-ignored in
/// this repository), created when needed.</summary>
internal static class CliPaths
{
    /// <summary>The folder of default outputs, relative to the current directory.</summary>
    public const string OutFolder = "out";

    /// <summary>The default path of an output named <paramref name="name"/>: <c>out/&lt;name&gt;</c> under
    /// <paramref name="currentDirectory"/> (default: the process's current directory). Creates nothing.</summary>
    public static string Default(string name, string? currentDirectory = null) =>
        Path.Combine(currentDirectory ?? Environment.CurrentDirectory, OutFolder, name);

    /// <summary>The path given, or the default <c>out/&lt;name&gt;</c> with its <c>out/</c> folder created.</summary>
    public static string OrDefault(string? given, string name)
    {
        if (!string.IsNullOrWhiteSpace(given))
            return given;
        var path = Default(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
