using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;

namespace Glassbox.Parts;

/// <summary>
/// The folder that the workers of one sharded job share (docs/scale.md, "Past one machine"): a <c>manifest.json</c>
/// that the first worker writes and every later one (and the merge) checks, and one Parquet file per shard, written
/// under a temporary name and moved into place whole, so a part is complete or absent and a rerun skips it. Used by
/// the sharded minimal-pair scoring; the activation store's parts (Glassbox.Neurons) keep their own layout.
/// </summary>
public sealed class PartsFolder
{
    private const string ManifestFile = "manifest.json";

    /// <summary>Opens (and creates) the folder.</summary>
    /// <param name="directory">The shared folder.</param>
    /// <param name="argument">The user's name for it in errors, e.g. <c>--parts</c>.</param>
    /// <param name="create">Create the folder when missing (workers); the merge needs it to exist.</param>
    /// <exception cref="InputException">A file of that name, or a missing folder when <paramref name="create"/> is
    /// false.</exception>
    public PartsFolder(string directory, string argument = "--parts", bool create = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Argument = argument;
        if (File.Exists(directory))
            throw new InputException($"{argument}: '{directory}' is a file; give a folder the workers share");
        if (!Directory.Exists(directory))
        {
            if (!create)
                throw new InputException($"{argument}: folder '{directory}' does not exist");
            Directory.CreateDirectory(directory);
        }
        Path = System.IO.Path.GetFullPath(directory);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The user's name for the folder.</summary>
    public string Argument { get; }

    /// <summary>Shard <paramref name="shard"/>'s part file.</summary>
    public string PartPath(int shard) =>
        System.IO.Path.Combine(Path, "part-" + shard.ToString("D6", CultureInfo.InvariantCulture) + ".parquet");

    /// <summary>Whether shard <paramref name="shard"/>'s part is written.</summary>
    public bool Has(int shard) => File.Exists(PartPath(shard));

    /// <summary>Writes <paramref name="manifest"/> when the folder has none (race-tolerant: of two workers starting
    /// together one file wins whole), else checks that the one there is the same job.</summary>
    /// <exception cref="InputException">The folder holds another job's parts; names the first differing key.</exception>
    public void Claim(IReadOnlyDictionary<string, string> manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string path = System.IO.Path.Combine(Path, ManifestFile);
        if (!File.Exists(path))
        {
            string tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(tmp, JsonSerializer.Serialize(manifest));
            try
            {
                File.Move(tmp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(tmp); // another worker's manifest won; it is checked below
            }
        }
        var there = ReadFields();
        foreach (var (key, value) in manifest)
            if (!there.TryGetValue(key, out var other) || other != value)
                throw new InputException(
                    $"{Argument}: '{Path}' holds parts of another job ({key} is '{other ?? "absent"}' there, '{value}' here); use a new folder"
                );
    }

    /// <summary>The manifest the first worker wrote, with typed access to its fields.</summary>
    /// <exception cref="InputException">None there, or not a manifest.</exception>
    public PartsManifest ReadManifest() => new(ReadFields(), Argument);

    private IReadOnlyDictionary<string, string> ReadFields()
    {
        string path = System.IO.Path.Combine(Path, ManifestFile);
        if (!File.Exists(path))
            throw new InputException($"{Argument}: '{Path}' has no {ManifestFile}; no worker has started there");
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InputException($"{Argument}: {path} is not a parts manifest: {e.Message}");
        }
    }

    /// <summary>Writes shard <paramref name="shard"/>'s part: <paramref name="write"/> fills a temporary Parquet file
    /// (given its path), which is then moved into place whole. A part another worker wrote meanwhile is kept.</summary>
    public void Write(int shard, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string final = PartPath(shard);
        string tmp = System.IO.Path.Combine(Path, "." + Guid.NewGuid().ToString("N") + ".parquet.tmp");
        try
        {
            write(tmp);
            File.Move(tmp, final, overwrite: false);
        }
        catch (IOException) when (File.Exists(final)) { }
        finally
        {
            if (File.Exists(tmp))
                File.Delete(tmp);
        }
    }

    /// <summary>Checks that shards 0..<paramref name="shards"/>−1 are all written and no other part is there.</summary>
    /// <exception cref="InputException">Names the missing shards (at most ten) or the stray part.</exception>
    public void RequireComplete(int shards)
    {
        var missing = Enumerable.Range(0, shards).Where(s => !Has(s)).ToList();
        if (missing.Count > 0)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Argument}: {missing.Count} of {shards} parts are missing (shards {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}); run the workers that own them"
                )
            );
        var expected = Enumerable.Range(0, shards).Select(PartPath).ToHashSet(StringComparer.Ordinal);
        var stray = Directory.EnumerateFiles(Path, "part-*.parquet").FirstOrDefault(f => !expected.Contains(f));
        if (stray is not null)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Argument}: {System.IO.Path.GetFileName(stray)} is past the job's last shard ({shards - 1}); the folder mixes two jobs"
                )
            );
    }

    /// <summary>Writes rows to a Parquet file through an in-memory DuckDB table: <paramref name="columns"/> is the
    /// table's column list (e.g. <c>pair INTEGER, good DOUBLE</c>), <paramref name="fill"/> appends the rows.</summary>
    public static void WriteParquet(string path, string columns, Action<DuckDBAppender> fill)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(fill);
        using var c = new DuckDBConnection("DataSource=:memory:");
        c.Open();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "CREATE TABLE part_rows (" + columns + ")";
            cmd.ExecuteNonQuery();
        }
        using (var a = c.CreateAppender("part_rows"))
            fill(a);
        using var copy = c.CreateCommand();
        copy.CommandText =
            "COPY part_rows TO '" + path.Replace("'", "''", StringComparison.Ordinal) + "' (FORMAT PARQUET)";
        copy.ExecuteNonQuery();
    }

    /// <summary>Every part's rows, read by DuckDB, as <paramref name="select"/> over the relation <c>parts</c>
    /// (e.g. <c>SELECT * FROM parts ORDER BY pair</c>).</summary>
    public List<T> Query<T>(string select, Func<DuckDBDataReader, T> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        using var c = new DuckDBConnection("DataSource=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        string glob = System.IO.Path.Combine(Path, "part-*.parquet").Replace("'", "''", StringComparison.Ordinal);
        cmd.CommandText = $"WITH parts AS (SELECT * FROM read_parquet('{glob}')) " + select;
        var list = new List<T>();
        try
        {
            using var r = cmd.ExecuteReader();
            while (r.Read())
                list.Add(row(r));
        }
        catch (DuckDBException e)
        {
            throw new InputException($"{Argument}: a part in '{Path}' cannot be read: {e.Message}");
        }
        return list;
    }
}
