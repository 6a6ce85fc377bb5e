namespace Glassbox.Tests.Data;

/// <summary>A fresh temporary folder for data-reader tests, deleted on dispose.</summary>
public sealed class DataTempDir : IDisposable
{
    public string Path { get; } =
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "glassbox-data-tests-" + Guid.NewGuid().ToString("N"));

    public DataTempDir() => Directory.CreateDirectory(Path);

    /// <summary>Writes a file (LF line endings) and returns its path.</summary>
    public string Write(string name, string content)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        System.IO.File.WriteAllText(p, content.Replace("\r\n", "\n"));
        return p;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
