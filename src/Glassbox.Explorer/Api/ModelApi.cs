using Glassbox.Explorer.Hosting;
using Glassbox.Models;
using Microsoft.AspNetCore.Builder;

namespace Glassbox.Explorer.Api;

/// <summary><c>GET /api/model</c>: config, parameter counts and hooks with shapes (the <c>info</c> envelope).</summary>
public static class ModelApi
{
    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        var manifest = RunManifest.For("info", cx.Host.Model);
        app.MapGet("/api/model", () => ExplorerContext.Envelope("info", cx.ModelName, cx.Host.Info, manifest));
    }
}
