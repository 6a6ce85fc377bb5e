using System.Globalization;
using System.Text;

namespace Glassbox;

/// <summary>Writes files atomically: to a temporary file in the same folder, then renamed over the target, so a
/// reader never sees a half-written file.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> as UTF-8.</summary>
    public static void WriteAllText(string path, string text) => Write(path, s =>
        {
            var b = new UTF8Encoding(false).GetBytes(text);
            s.Write(b);
        });

    /// <summary>Writes through a stream callback.</summary>
    /// <exception cref="GlassboxException">The folder does not exist or cannot be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new GlassboxException($"cannot write '{path}': folder '{dir}' does not exist");
        var tmp = Path.Combine(
            dir,
            string.Create(
                CultureInfo.InvariantCulture,
                $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"
            )
        );
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new GlassboxException($"cannot write '{path}': {e.Message}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    private static void TryDelete(string p)
    {
        try
        {
            File.Delete(p);
        }
        catch (IOException) { }
    }
}
