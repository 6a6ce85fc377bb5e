using System.Text;
using Glassbox.Explorer.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Api;

/// <summary>Background jobs: <c>GET /api/jobs/{id}</c> (state and progress, the <c>job</c> envelope),
/// <c>GET /api/jobs/{id}/events</c> (server-sent events: <c>progress</c> lines, then one <c>end</c> with the state),
/// <c>GET /api/jobs/{id}/result</c> (the finished analysis's envelope) and <c>POST /api/jobs/{id}/cancel</c>.</summary>
public static class JobApi
{
    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapGet("/api/jobs/{id}", (string id) =>
            cx.Jobs.Find(id) is { } job
                ? ExplorerContext.Envelope("job", cx.ModelName, job.Info())
                : ExplorerContext.Error("no such job", StatusCodes.Status404NotFound)
        );
        app.MapGet("/api/jobs/{id}/result", (string id) => cx.Jobs.Find(id) switch
            {
                null => ExplorerContext.Error("no such job", StatusCodes.Status404NotFound),
                { State: JobState.Done, ResultJson: { } json } => ExplorerContext.Json(json),
                var job => ExplorerContext.Error(
                    "the job is " + job.Info().State + (job.Error is null ? "" : ": " + job.Error),
                    StatusCodes.Status409Conflict
                ),
            });
        app.MapPost("/api/jobs/{id}/cancel", (string id) =>
        {
            if (cx.Jobs.Find(id) is not { } job)
                return ExplorerContext.Error("no such job", StatusCodes.Status404NotFound);
            job.Cancel();
            return ExplorerContext.Envelope("job", cx.ModelName, job.Info());
        });
        app.MapGet("/api/jobs/{id}/events", (string id, HttpContext http) => Events(cx, id, http));
    }

    /// <summary>One-line JSON: a server-sent event's data must not contain a newline.</summary>
    private static string Sse<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, ExplorerContext.Compact);

    private static async Task Events(ExplorerContext cx, string id, HttpContext http)
    {
        if (cx.Jobs.Find(id) is not { } job)
        {
            await ExplorerContext.Error("no such job", StatusCodes.Status404NotFound).ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        var ct = http.RequestAborted;
        int seen = 0;
        try
        {
            while (true)
            {
                var (lines, state, changed) = job.Read(seen);
                var sb = new StringBuilder();
                foreach (var line in lines)
                    sb.Append("event: progress\ndata: ").Append(Sse(new { line })).Append("\n\n");
                seen += lines.Count;
                bool end = state is JobState.Done or JobState.Failed or JobState.Cancelled;
                if (end)
                    sb.Append("event: end\ndata: ").Append(Sse(job.Info())).Append("\n\n");
                else if (lines.Count == 0)
                    // state changes and heartbeats
                    sb.Append("event: state\ndata: ")
                        .Append(Sse(new { state = state.ToString().ToLowerInvariant() }))
                        .Append("\n\n");
                await http.Response.WriteAsync(sb.ToString(), ct);
                await http.Response.Body.FlushAsync(ct);
                if (end)
                    return;
                // A heartbeat every 15 s keeps proxies and the page's EventSource from timing out.
                await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(15), ct)).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) { }
    }
}
