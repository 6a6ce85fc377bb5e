using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Hosting;

/// <summary>Serves the scripts and styles embedded in this assembly (wwwroot/, logical names <c>static/NAME</c>): no
/// file system reads, no CDN, works offline.</summary>
public static class StaticFiles
{
    private static readonly Dictionary<string, byte[]> Files = Load();

    /// <summary>Names of the embedded files.</summary>
    public static IReadOnlyCollection<string> Names => Files.Keys;

    /// <summary>Maps <c>GET /static/{name}</c>.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/static/{name}", (string name, HttpContext http) =>
        {
            if (!Files.TryGetValue(name, out var bytes))
                return ExplorerContext.Error("no such file", StatusCodes.Status404NotFound);
            http.Response.Headers.CacheControl = "no-cache";
            string type = Path.GetExtension(name) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            return Results.Bytes(bytes, type);
        });
    }

    private static Dictionary<string, byte[]> Load()
    {
        var asm = typeof(StaticFiles).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (
            var res in asm.GetManifestResourceNames().Where(n => n.StartsWith("static/", StringComparison.Ordinal))
        )
        {
            using var s = asm.GetManifestResourceStream(res)!;
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            files[res["static/".Length..]] = ms.ToArray();
        }
        return files;
    }
}
