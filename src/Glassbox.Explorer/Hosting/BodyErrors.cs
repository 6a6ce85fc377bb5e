using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Hosting;

/// <summary>Turns ASP.NET Core's refusal of a request body (not JSON, a field of the wrong type, too deep, empty)
/// into one line in the user's terms: the field as the request spells it and what was expected, without .NET type
/// names; a query parameter that does not parse (<c>?k=abc</c>) is named the same way. Before this, such requests got
/// a bare 400 with no message (found by <c>ExplorerFuzzTests</c>).</summary>
public static partial class BodyErrors
{
    /// <summary>The one-line message for <paramref name="e"/>.</summary>
    public static string Describe(BadHttpRequestException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.InnerException is JsonException j)
        {
            string field = j.Path is { Length: > 1 } p ? p.TrimStart('$').TrimStart('.') : "";
            string where = field.Length > 0 ? "request body, field " + field : "request body";
            return where + ": " + Reason(j, field);
        }
        if (BindFailure().Match(e.Message) is { Success: true } b)
            return $"query parameter {b.Groups["name"].Value}: expected {Friendly(b.Groups["type"].Value)}, got '{b.Groups["value"].Value}'";
        if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType)
            return "request body: send JSON with Content-Type: application/json";
        if (e.Message.Contains("no body was provided", StringComparison.Ordinal))
            return "request body: empty; send a JSON object";
        return "request body: " + e.Message;
    }

    private static string Reason(JsonException j, string field)
    {
        string m = j.Message;
        int cut = m.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
            m = m[..cut];
        if (m.StartsWith("expected ", StringComparison.Ordinal)) // our own converters' messages (NoNullElements)
            return m;
        if (m.Contains("doesn't allow null values", StringComparison.Ordinal))
            return "must not be null (leave the field out for its default)";
        const string convert = "The JSON value could not be converted to ";
        if (m.StartsWith(convert, StringComparison.Ordinal))
            return "expected " + Friendly(FieldType(m[convert.Length..].TrimEnd('.'), field));
        if (j.LineNumber is { } line && j.BytePositionInLine is { } col)
            return string.Create(
                CultureInfo.InvariantCulture,
                $"not valid JSON at line {line + 1}, byte {col + 1}: {m.TrimEnd('.')}"
            );
        return m.TrimEnd('.');
    }

    // A wrong-typed field of a request record is reported against the record ("could not be converted to
    // ...TextApi+TextRequest"); the field's own type is the record's property of that name.
    private static string FieldType(string type, string field)
    {
        var record = typeof(BodyErrors).Assembly.GetType(type);
        var prop = record
            ?.GetProperties()
            .FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase));
        return prop is null
            ? type
            : (Nullable.GetUnderlyingType(prop.PropertyType) ?? prop.PropertyType).FullName ?? type;
    }

    // ASP.NET Core's message for a route or query value that does not parse: Failed to bind parameter "int? k" from "x".
    [System.Text.RegularExpressions.GeneratedRegex(
        "^Failed to bind parameter \"(?<type>\\S+) (?<name>\\w+)\" from \"(?<value>.*)\"\\.?$"
    )]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    private static string Friendly(string type) =>
        type switch
        {
            "Nullable<int>" or "int" or "Int32" => "a whole number",
            "Nullable<double>" or "double" => "a number",
            "System.Int32" or "System.Nullable`1[System.Int32]" => "an integer in -2147483648..2147483647",
            "System.Int64" or "System.Nullable`1[System.Int64]" => "an integer",
            "System.Double" or "System.Single" or "System.Nullable`1[System.Double]" => "a number",
            "System.Boolean" or "System.Nullable`1[System.Boolean]" => "true or false",
            "System.String" => "a string",
            _ when type.Contains("[]", StringComparison.Ordinal) || type.Contains("List", StringComparison.Ordinal) =>
                "an array",
            _ => "a JSON object",
        };
}
