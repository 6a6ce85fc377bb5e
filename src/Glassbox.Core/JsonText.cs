using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Glassbox;

/// <summary>
/// Parses untrusted JSON completely before use: the bytes must be valid UTF-8, nesting is bounded, and every string
/// and property name must decode (System.Text.Json only transcodes strings lazily, so without this a lone surrogate
/// escape or an invalid byte surfaces later as an <see cref="InvalidOperationException"/> far from the file).
/// </summary>
public static class JsonText
{
    /// <summary>Nesting depth accepted by default; real config, index and tokenizer files nest a handful of levels.</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>Parses <paramref name="utf8"/> as one JSON document and checks that every string in it decodes.</summary>
    /// <param name="utf8">The file's bytes (a UTF-8 byte order mark is skipped).</param>
    /// <param name="source">The file (and line) for messages, e.g. <c>/m/config.json</c>.</param>
    /// <param name="error">Builds the typed exception to throw from a one-line problem that already names <paramref name="source"/>.</param>
    /// <param name="maxDepth">Deepest nesting accepted.</param>
    /// <returns>The parsed document; the caller disposes it.</returns>
    public static JsonDocument Parse(
        ReadOnlyMemory<byte> utf8,
        string source,
        Func<string, Exception?, GlassboxException> error,
        int maxDepth = DefaultMaxDepth
    )
    {
        ArgumentNullException.ThrowIfNull(error);
        var span = utf8.Span;
        if (span.StartsWith("\uFEFF"u8))
            utf8 = utf8[3..];
        if (InvalidUtf8At(utf8.Span) is { } at)
            throw error(
                string.Create(CultureInfo.InvariantCulture, $"{source}: not valid UTF-8 text (first bad byte at {at})"),
                null
            );
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException ex)
        {
            throw error($"{source}: not valid JSON: {OneLine(ex.Message)}", ex);
        }
        try
        {
            CheckStrings(doc.RootElement);
            return doc;
        }
        catch (InvalidOperationException ex)
        {
            doc.Dispose();
            throw error($"{source}: a JSON string holds an invalid escape (lone surrogate): {OneLine(ex.Message)}", ex);
        }
    }

    /// <summary>Parses a string (already decoded text) the same way.</summary>
    /// <param name="text">JSON text.</param>
    /// <param name="source">The file (and line) for messages.</param>
    /// <param name="error">Builds the typed exception.</param>
    /// <param name="maxDepth">Deepest nesting accepted.</param>
    /// <returns>The parsed document; the caller disposes it.</returns>
    public static JsonDocument Parse(
        string text,
        string source,
        Func<string, Exception?, GlassboxException> error,
        int maxDepth = DefaultMaxDepth
    )
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(Encoding.UTF8.GetBytes(text), source, error, maxDepth);
    }

    private static string OneLine(string s) =>
        s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Index of the first byte that is not part of valid UTF-8, or null when all of it is valid.</summary>
    /// <param name="utf8">Bytes.</param>
    /// <returns>The byte offset, or null.</returns>
    public static long? InvalidUtf8At(ReadOnlySpan<byte> utf8)
    {
        if (Utf8.IsValid(utf8))
            return null;
        var buffer = ArrayPool<char>.Shared.Rent(4096);
        try
        {
            long done = 0;
            while (utf8.Length > 0)
            {
                var status = Utf8.ToUtf16(utf8, buffer, out int read, out _, replaceInvalidSequences: false);
                if (status is OperationStatus.InvalidData or OperationStatus.NeedMoreData)
                    return done + read;
                done += read;
                utf8 = utf8[read..];
            }
            return null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static void CheckStrings(JsonElement e)
    {
        // Iterative walk: depth is already bounded by MaxDepth, but a wide document must not recurse per element.
        var stack = new Stack<JsonElement>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            switch (x.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in x.EnumerateObject())
                    {
                        _ = p.Name;
                        stack.Push(p.Value);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in x.EnumerateArray())
                        stack.Push(item);
                    break;
                case JsonValueKind.String:
                    _ = x.GetString();
                    break;
            }
        }
    }
}
