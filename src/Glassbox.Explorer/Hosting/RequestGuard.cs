using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Hosting;

/// <summary>Checks every request before it reaches an endpoint:
/// <list type="bullet">
/// <item>the Host header names this server (a page on another site cannot reach it by DNS rebinding);</item>
/// <item>with an access token, the request carries it (Authorization: Bearer, the cookie set by a first
/// <c>?token=</c> visit, or that query on a page);</item>
/// <item>requests that run or change anything (every non-GET) carry the <c>X-Glassbox</c> header, which a cross-site
/// form cannot send and a cross-site script cannot send without a CORS preflight this server never grants, and
/// their Origin, when present, is this server.</item>
/// </list>
/// Bad input (<see cref="GlassboxException"/>, or a body ASP.NET Core cannot bind) becomes a 4xx with a one-line
/// error.</summary>
public sealed class RequestGuard(ExplorerOptions options)
{
    /// <summary>The header every mutating request must carry.</summary>
    public const string Header = "X-Glassbox";

    /// <summary>The cookie that carries the access token.</summary>
    public const string Cookie = "glassbox_token";

    /// <summary>The middleware.</summary>
    public async Task InvokeAsync(HttpContext http, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        var req = http.Request;
        if (options.IsLoopback && !LoopbackHost(req.Host.Host))
        {
            await Write(http, ExplorerContext.Error("unknown host", StatusCodes.Status403Forbidden));
            return;
        }
        if (options.Token is string token)
        {
            string? query = req.Query["token"];
            if (HttpMethods.IsGet(req.Method) && query is not null && Same(query, token))
            {
                http.Response.Cookies.Append(
                    Cookie,
                    token,
                    new CookieOptions
                    {
                        HttpOnly = true,
                        SameSite = SameSiteMode.Strict,
                        Path = "/",
                    }
                );
                http.Response.Redirect(req.Path.HasValue ? req.Path.Value : "/");
                return;
            }
            string? bearer =
                req.Headers.Authorization.ToString() is { } a && a.StartsWith("Bearer ", StringComparison.Ordinal)
                    ? a[7..]
                    : null;
            if (!Same(bearer ?? req.Cookies[Cookie], token))
            {
                await Write(http, ExplorerContext.Error("access token required", StatusCodes.Status401Unauthorized));
                return;
            }
        }
        if (!HttpMethods.IsGet(req.Method) && !HttpMethods.IsHead(req.Method) && !SameOrigin(req))
        {
            await Write(
                http,
                ExplorerContext.Error(
                    "cross-site request refused (needs the X-Glassbox header and this origin)",
                    StatusCodes.Status403Forbidden
                )
            );
            return;
        }
        try
        {
            await next();
        }
        catch (GlassboxException e) when (!http.Response.HasStarted)
        {
            await Write(http, ExplorerContext.Error(e.Message));
        }
        catch (BadHttpRequestException e) when (!http.Response.HasStarted)
        {
            // InputException's message escapes control characters, so the line stays one line.
            await Write(http, ExplorerContext.Error(new InputException(BodyErrors.Describe(e)).Message, e.StatusCode));
        }
    }

    private static bool SameOrigin(HttpRequest req)
    {
        if (req.Headers[Header].ToString() != "1")
            return false;
        string origin = req.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, req.Scheme + "://" + req.Host.Value, StringComparison.Ordinal))
            return false;
        string site = req.Headers["Sec-Fetch-Site"].ToString();
        return site.Length == 0 || site is "same-origin" or "none";
    }

    private static bool LoopbackHost(string host) => host is "127.0.0.1" or "localhost" or "[::1]" or "::1";

    private static bool Same(string? given, string token) =>
        given is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));

    private static Task Write(HttpContext http, IResult result) => result.ExecuteAsync(http);
}
