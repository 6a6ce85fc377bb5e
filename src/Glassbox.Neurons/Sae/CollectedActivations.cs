using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Glassbox.Models;
using Glassbox.Neurons.Store;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>
/// Collected activations of one hook (SAELens's cached activations), written by <see cref="ActivationCollector"/>:
/// a folder with <c>activations.parquet</c> (chunk, text, pos, and the row as little-endian float32 bytes) and
/// <c>cache.json</c> (model, weights hash, hook, d_in, sizes, corpus hash, row and chunk counts). Opening checks the
/// manifest and the whole Parquet file's shape (columns, counts, row widths) before any row is used. As an
/// <see cref="IActivationChunks"/> it serves the chunks in order and wraps, exactly as a model run would.
/// </summary>
public sealed class CollectedActivations : IActivationChunks
{
    internal const string Kind = "sae-activations";

    /// <summary>The rows file inside a cache folder.</summary>
    public const string DataFile = "activations.parquet";

    /// <summary>The manifest inside a cache folder.</summary>
    public const string ManifestFile = "cache.json";

    private readonly IReadOnlyDictionary<string, string> _fields;
    private DuckDBConnection? _connection;
    private DuckDBCommand? _command;
    private DuckDBDataReader? _reader;
    private bool _pending;
    private (int, int, int) _last = (-1, -1, -1);

    private CollectedActivations(string dir, IReadOnlyDictionary<string, string> fields, long width, long rows)
    {
        (Directory, _fields, Width, Rows) = (dir, fields, width, rows);
    }

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>The model's name when collected.</summary>
    public string Model => _fields["model"];

    /// <summary>The hook the rows were read at.</summary>
    public string Hook => _fields["hook"];

    /// <summary>Tokens per text at most (BOS included).</summary>
    public int ContextSize => int.Parse(_fields["context"], CultureInfo.InvariantCulture);

    /// <summary>Texts collected.</summary>
    public int Texts => int.Parse(_fields["texts"], CultureInfo.InvariantCulture);

    /// <summary>The corpus in words.</summary>
    public string Data => _fields.GetValueOrDefault("data") ?? "";

    /// <summary>Activation rows (tokens) in the cache.</summary>
    public long Rows { get; }

    /// <inheritdoc/>
    public long Width { get; }

    /// <inheritdoc/>
    public int Epochs { get; private set; }

    /// <summary>Opens and checks a cache folder.</summary>
    /// <param name="directory">The folder <see cref="ActivationCollector.Merge"/> wrote.</param>
    /// <param name="argument">The user's name for it in errors.</param>
    /// <exception cref="InputException">No cache there, or a manifest or rows file that is not one (names the file
    /// and field).</exception>
    public static CollectedActivations Open(string directory, string argument = "--activations")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string manifest = Path.Combine(directory, ManifestFile);
        if (!File.Exists(manifest))
            throw new InputException(
                $"{argument}: '{directory}' has no {ManifestFile}; write a cache with 'sae collect' (or finish its merge)"
            );
        Dictionary<string, string> fields;
        try
        {
            fields = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(manifest))
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InputException($"{argument}: {manifest} is not a cache manifest: {e.Message}");
        }
        if (fields.GetValueOrDefault("kind") != Kind)
            throw new InputException($"{argument}: {manifest}, field kind: expected '{Kind}'");
        string data = Path.Combine(directory, DataFile);
        if (!File.Exists(data))
            throw new InputException($"{argument}: '{directory}' has no {DataFile}");
        // The rows file must be the one the merge wrote before DuckDB reads it: a damaged Parquet file can be read as
        // other numbers without an error (the fuzz harness saw that), and DuckDB can crash on a damaged file.
        if (!fields.TryGetValue("rowsSha256", out var sealedHash))
            throw new InputException($"{argument}: {manifest} lacks field rowsSha256");
        if (!string.Equals(Sha256(data), sealedHash, StringComparison.OrdinalIgnoreCase))
            throw new InputException(
                $"{argument}: {data} was changed or damaged after 'sae collect' wrote it (its SHA-256 differs from {ManifestFile}); collect it again"
            );
        var facts = Facts(data, argument);
        Check(fields, facts, argument, manifest);
        return new CollectedActivations(Path.GetFullPath(directory), fields, facts.Width, facts.Rows);
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    internal static string Sha256(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f));
    }

    /// <summary>Counts of a rows file, read by DuckDB without loading the rows.</summary>
    internal sealed record FileFacts(long Rows, long Chunks, long MinChunk, long MaxChunk, long Width);

    internal static FileFacts Facts(string path, string argument)
    {
        using var c = new DuckDBConnection("DataSource=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        string f = path.Replace("'", "''", StringComparison.Ordinal);
        cmd.CommandText =
            $"SELECT count(*), count(DISTINCT chunk), min(chunk), max(chunk), min(octet_length(act)), max(octet_length(act)), count(*) FILTER (WHERE act IS NULL OR chunk IS NULL OR text IS NULL OR pos IS NULL) FROM read_parquet('{f}')";
        try
        {
            using var r = cmd.ExecuteReader();
            r.Read();
            long rows = r.GetInt64(0);
            if (rows == 0)
                throw new InputException($"{argument}: {path} holds no activation rows");
            long minBytes = Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture),
                maxBytes = Convert.ToInt64(r.GetValue(5), CultureInfo.InvariantCulture);
            if (r.GetInt64(6) > 0)
                throw new InputException($"{argument}: {path} has rows with a null field");
            if (minBytes != maxBytes || minBytes == 0 || minBytes % sizeof(float) != 0)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{argument}: {path}, column act: rows of {minBytes} to {maxBytes} bytes, not one float32 width"
                    )
                );
            return new FileFacts(
                rows,
                r.GetInt64(1),
                Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture),
                Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture),
                minBytes / sizeof(float)
            );
        }
        catch (DuckDBException e)
        {
            throw new InputException($"{argument}: {path} is not an activation cache: {Line(e.Message)}");
        }
    }

    private static string Line(string s) => s.Split('\n')[0];

    internal static void Check(IReadOnlyDictionary<string, string> m, FileFacts f, string argument, string where)
    {
        long Field(string key, long min = 0, long max = int.MaxValue)
        {
            if (!m.TryGetValue(key, out var v))
                throw new InputException($"{argument}: {where} lacks field {key}");
            return
                long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n >= min && n <= max
                ? n
                : throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{argument}: {where}, field {key}: '{v}' is not a whole number in {min}..{max}"
                    )
                );
        }
        foreach (var key in new[] { "model", "weightsSha256", "hook" })
            if (!m.ContainsKey(key))
                throw new InputException($"{argument}: {where} lacks field {key}");
        long dIn = Field("dIn", 1),
            texts = Field("texts", 1),
            tpf = Field("textsPerForward", 1);
        _ = Field("context", 2);
        void Same(string what, long a, long b)
        {
            if (a != b)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{argument}: {where}, field {what}: {a} there, {b} in the rows"
                    )
                );
        }
        Same("dIn", dIn, f.Width);
        Same("rows", Field("rows", 1, long.MaxValue), f.Rows);
        Same("chunks", Field("chunks", 1), f.Chunks);
        long chunks = (texts + tpf - 1) / tpf;
        if (f.MinChunk < 0 || f.MaxChunk >= chunks)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: {where}: rows name chunks {f.MinChunk}..{f.MaxChunk}, outside the {chunks} chunks of {texts} texts"
                )
            );
    }

    /// <summary>Checks that the cache was collected from <paramref name="model"/> (same weights) at
    /// <paramref name="hook"/> (when given).</summary>
    /// <exception cref="InputException">Another model, weights or hook.</exception>
    public void RequireFrom(HookedTransformer model, string? hook = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (hook is not null && hook != Hook)
            throw new InputException($"--hook: the cache in '{Directory}' holds {Hook}, not {hook}");
        if (StoreSchema.WeightsHash(model) != _fields["weightsSha256"])
            throw new InputException(
                $"--activations: the cache in '{Directory}' was collected from other weights ({Model}) than {model.Name}'s"
            );
    }

    /// <inheritdoc/>
    public Tensor? Next()
    {
        if (_reader is null)
            Start();
        var rows = new List<byte[]>();
        int chunk = -1;
        while (_pending)
        {
            var key = (_reader!.GetInt32(0), _reader.GetInt32(1), _reader.GetInt32(2));
            if (key.CompareTo(_last) <= 0)
                throw new InputException(
                    $"--activations: {Path.Combine(Directory, DataFile)}: rows are not in (chunk, text, pos) order at {key}; merge it again"
                );
            if (chunk >= 0 && key.Item1 != chunk)
                break;
            (chunk, _last) = (key.Item1, key);
            var bytes = new byte[Width * sizeof(float)];
            using (var blob = _reader.GetStream(3))
                blob.ReadExactly(bytes);
            rows.Add(bytes);
            _pending = Advance();
        }
        if (!_pending)
        {
            Stop();
            Epochs++;
        }
        var values = new float[rows.Count * Width];
        var all = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        for (int i = 0; i < rows.Count; i++)
            rows[i].CopyTo(all[(i * rows[i].Length)..]);
        return tensor(values, [rows.Count, Width]); // [rows, d_in]
    }

    private bool Advance()
    {
        try
        {
            return _reader!.Read();
        }
        catch (DuckDBException e)
        {
            throw new InputException(
                $"--activations: {Path.Combine(Directory, DataFile)} cannot be read: {Line(e.Message)}"
            );
        }
    }

    private void Start()
    {
        _connection = new DuckDBConnection("DataSource=:memory:");
        _connection.Open();
        using (var set = _connection.CreateCommand())
        {
            set.CommandText = "SET threads = 1"; // one scan thread keeps the file's order
            set.ExecuteNonQuery();
        }
        _command = _connection.CreateCommand();
        string f = Path.Combine(Directory, DataFile).Replace("'", "''", StringComparison.Ordinal);
        _command.CommandText = $"SELECT chunk, text, pos, act FROM read_parquet('{f}')"; // file order: the merge sorted it
        try
        {
            _reader = _command.ExecuteReader();
        }
        catch (DuckDBException e)
        {
            throw new InputException($"--activations: {f} cannot be read: {Line(e.Message)}");
        }
        _pending = Advance();
    }

    private void Stop()
    {
        _reader?.Dispose();
        _command?.Dispose();
        _connection?.Dispose();
        (_reader, _command, _connection) = (null, null, null);
        _last = (-1, -1, -1);
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();
}
