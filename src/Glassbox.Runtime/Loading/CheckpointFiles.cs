using System.Text.Json;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>
/// The safetensors file(s) of a Hugging Face checkpoint folder: a single <c>model.safetensors</c>, or the shards named
/// by <c>model.safetensors.index.json</c> (its <c>weight_map</c>). Pickle checkpoints are refused.
/// </summary>
internal sealed class CheckpointFiles : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _open = new();
    private readonly Dictionary<string, SafetensorsFile> _fileOf = new(StringComparer.Ordinal);

    private CheckpointFiles() { }

    /// <summary>Every tensor key, in ordinal order.</summary>
    public IEnumerable<string> Keys => _fileOf.Keys.OrderBy(k => k, StringComparer.Ordinal);

    /// <summary>The header entry of a key.</summary>
    public SafetensorsEntry Entry(string key) => _fileOf[key].Entry(key);

    /// <summary>The file name holding a key.</summary>
    public string FileOf(string key) => Path.GetFileName(_fileOf[key].Path);

    /// <summary>Reads one tensor, converting to <paramref name="dtype"/>; memory-mapped when <paramref name="map"/> is
    /// set and the file stores that dtype (<see cref="SafetensorsFile.MapTensor"/>).</summary>
    public Tensor Read(string key, ScalarType dtype, bool map = false) => _fileOf[key].ReadTensor(key, dtype, map);

    /// <summary>Opens the checkpoint files of <paramref name="dir"/>.</summary>
    /// <exception cref="ModelFormatException">No safetensors checkpoint, a malformed index or shard, or a key the index places in a shard that lacks it.</exception>
    public static CheckpointFiles Open(string dir)
    {
        var files = new CheckpointFiles();
        try
        {
            string single = Path.Combine(dir, SingleFile),
                index = Path.Combine(dir, IndexFile);
            if (File.Exists(single))
            {
                var f = files.Add(single);
                foreach (var e in f.Entries)
                    files._fileOf[e.Name] = f;
            }
            else if (File.Exists(index))
            {
                files.OpenSharded(dir, index);
            }
            else
            {
                bool pickle =
                    Directory.EnumerateFiles(dir, "*.bin").Any() || Directory.EnumerateFiles(dir, "*.pt").Any();
                throw new ModelFormatException(
                    pickle
                        ? $"{dir}: only safetensors checkpoints are loaded; pickle files (*.bin, *.pt) are refused because loading them can run code. Convert to {SingleFile}."
                        : $"{dir}: no {SingleFile} or {IndexFile} found"
                );
            }
            return files;
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    private void OpenSharded(string dir, string index)
    {
        var doc = JsonText.Parse(File.ReadAllBytes(index), index, (m, inner) => new ModelFormatException(m, inner));
        using (doc)
        {
            if (
                doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object
            )
                throw new ModelFormatException($"{index}: missing object field 'weight_map'");
            var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var kv in map.EnumerateObject())
            {
                if (kv.Value.ValueKind != JsonValueKind.String)
                    throw new ModelFormatException($"{index}: weight_map entry '{kv.Name}' must name a shard file");
                string shard = kv.Value.GetString()!;
                if (
                    shard.Length == 0
                    || shard.Contains('/', StringComparison.Ordinal)
                    || shard.Contains('\\', StringComparison.Ordinal)
                    || shard == ".."
                    || shard == "."
                    || Path.IsPathRooted(shard)
                )
                    throw new ModelFormatException(
                        $"{index}: weight_map entry '{kv.Name}' names shard '{shard}', which is not a plain file name in the checkpoint folder"
                    );
                if (!shards.TryGetValue(shard, out var f))
                {
                    string p = Path.Combine(dir, shard);
                    if (!File.Exists(p))
                        throw new ModelFormatException($"{index}: shard '{shard}' (for '{kv.Name}') does not exist");
                    f = Add(p);
                    shards[shard] = f;
                }
                if (!f.Contains(kv.Name))
                    throw new ModelFormatException(
                        $"{index}: weight_map places '{kv.Name}' in shard '{shard}', which has no such tensor"
                    );
                if (!_fileOf.TryAdd(kv.Name, f))
                    throw new ModelFormatException($"{index}: weight_map names '{kv.Name}' twice");
            }
            if (shards.Count == 0)
                throw new ModelFormatException($"{index}: weight_map is empty");
            // Every tensor of every shard must be the one the index names: a tensor stored in two shards, or one the
            // index does not list, would otherwise be loaded from whichever file the map happens to name.
            foreach (var (shard, f) in shards.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                foreach (var e in f.Entries)
                {
                    if (!_fileOf.TryGetValue(e.Name, out var owner))
                        throw new ModelFormatException(
                            $"{index}: shard '{shard}' holds tensor '{e.Name}', which weight_map does not list"
                        );
                    if (!ReferenceEquals(owner, f))
                        throw new ModelFormatException(
                            $"{index}: tensor '{e.Name}' is stored in shard '{shard}' and in '{Path.GetFileName(owner.Path)}' (weight_map names the latter)"
                        );
                }
            }
        }
    }

    private SafetensorsFile Add(string path)
    {
        var f = SafetensorsFile.Open(path);
        _open.Add(f);
        return f;
    }

    public void Dispose()
    {
        foreach (var f in _open)
            f.Dispose();
        _open.Clear();
    }
}
