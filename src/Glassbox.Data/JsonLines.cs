using System.Text;
using System.Text.Json;

namespace Glassbox.Data;

/// <summary>Shared JSON Lines plumbing for the data readers: one object per non-blank line, errors as
/// <see cref="DataFormatException"/> naming file and 1-based line.</summary>
internal static class JsonLines
{
    /// <summary>One parsed record: its object and 1-based line.</summary>
    internal readonly record struct Record(string Source, int Line, JsonElement Obj)
    {
        /// <summary>A required string-valued key.</summary>
        public string String(string key)
        {
            if (!Obj.TryGetProperty(key, out var v))
                throw Error($"missing key '{key}'");
            if (v.ValueKind != JsonValueKind.String)
                throw Error($"key '{key}' must be a string, found {v.ValueKind}");
            return v.GetString()!;
        }

        /// <summary>An optional string-valued key (null when absent or null).</summary>
        public string? OptionalString(string key)
        {
            if (!Obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
                return null;
            if (v.ValueKind != JsonValueKind.String)
                throw Error($"key '{key}' must be a string, found {v.ValueKind}");
            return v.GetString();
        }

        /// <summary>The first of several alternative keys that is present, as text (strings as is, numbers and booleans as written).</summary>
        public string Scalar(params string[] keys)
        {
            foreach (var key in keys)
            {
                if (!Obj.TryGetProperty(key, out var v))
                    continue;
                return v.ValueKind switch
                {
                    JsonValueKind.String => v.GetString()!,
                    JsonValueKind.Number => v.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => throw Error($"key '{key}' must be a string or number, found {v.ValueKind}"),
                };
            }
            throw Error(
                keys.Length == 1
                    ? $"missing key '{keys[0]}'"
                    : $"missing key: expected one of {string.Join(", ", keys.Select(k => $"'{k}'"))}"
            );
        }

        /// <summary>An error at this record's line.</summary>
        public DataFormatException Error(string problem) => new(Source, Line, problem);
    }

    /// <summary>Reads every record of a JSON Lines file; blank lines are skipped.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is not a JSON object.</exception>
    public static IEnumerable<Record> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"file not found: {path}", path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            JsonElement obj;
            // JsonText checks every string decodes (a lone "\ud800" escape would otherwise throw later, unnamed).
            int at = lineNo;
            using (
                var doc = JsonText.Parse(line, "line", (m, inner) =>
                    new DataFormatException(path, at, "malformed JSON: " + m["line: ".Length..], inner)
                )
            )
                obj = doc.RootElement.Clone();
            if (obj.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(path, lineNo, $"expected a JSON object, found {obj.ValueKind}");
            yield return new Record(path, lineNo, obj);
        }
    }

    /// <summary>The <c>*.jsonl</c> files of a directory (sorted by name), or the single given file.</summary>
    /// <exception cref="FileNotFoundException">Neither a file nor a directory exists at <paramref name="pathOrDir"/>.</exception>
    /// <exception cref="DataFormatException">The directory holds no <c>.jsonl</c> file.</exception>
    public static IReadOnlyList<string> Files(string pathOrDir)
    {
        if (File.Exists(pathOrDir))
            return [pathOrDir];
        if (!Directory.Exists(pathOrDir))
            throw new FileNotFoundException($"file or directory not found: {pathOrDir}", pathOrDir);
        var files = Directory.GetFiles(pathOrDir, "*.jsonl").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
            throw new DataFormatException(pathOrDir, 0, "directory holds no .jsonl files");
        return files;
    }
}
