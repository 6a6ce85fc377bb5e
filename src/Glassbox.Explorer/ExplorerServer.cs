using System.Net;
using Glassbox.Classification;
using Glassbox.Explorer.Api;
using Glassbox.Explorer.Hosting;
using Glassbox.Explorer.Pages;
using Glassbox.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Glassbox.Explorer;

/// <summary>The explorer: a local web app (ASP.NET Core minimal APIs on Kestrel) over one loaded model. Pages are
/// server-rendered HTML plus small vanilla scripts embedded in this assembly; the JSON API answers with the same
/// envelope as <c>--json</c>. See docs/explorer.md.</summary>
public sealed class ExplorerServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExplorerServer(WebApplication app, ExplorerContext context)
    {
        _app = app;
        Context = context;
    }

    /// <summary>Model, jobs and guards shared by the endpoints.</summary>
    public ExplorerContext Context { get; }

    /// <summary>The address it listens on (after <see cref="StartAsync"/>), e.g. http://127.0.0.1:5117.</summary>
    public Uri Address =>
        new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Builds the app over <paramref name="model"/> (the server disposes it). Validates the options first:
    /// a non-loopback bind without a token throws <see cref="InputException"/>.</summary>
    public static ExplorerServer Create(ExplorerOptions options, HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        options.Validate();
        return Create(options, new ModelHost(model));
    }

    /// <summary>Builds the app over a sequence classifier (the server disposes it): every page runs on its encoder,
    /// and the classifier pages (TCAV of a class, XMD feedback) on the whole classifier. Validates the options first.</summary>
    public static ExplorerServer Create(ExplorerOptions options, SequenceClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(classifier);
        options.Validate();
        return Create(options, new ModelHost(classifier));
    }

    private static ExplorerServer Create(ExplorerOptions options, ModelHost host)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.Address!, options.Port));
        // Unbindable bodies throw (instead of a bare 400) so RequestGuard can answer them with a one-line error.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // A JSON null for a field that has a default ("hook": null) is refused by name instead of reaching the endpoint
        // as a null string (fuzz finding: a 500 in /api/patch).
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.RespectNullableAnnotations = true;
            o.SerializerOptions.Converters.Add(new NoNullElements());
        });
        var app = builder.Build();
        var context = new ExplorerContext(options, host, new JobManager(host), new PathGuard(options.Store));
        var guard = new RequestGuard(options);
        app.Use((http, next) => guard.InvokeAsync(http, () => next(http)));
        StaticFiles.Map(app);
        PageRegistry.Map(app, context);
        ModelApi.Map(app, context);
        TextApi.Map(app, context);
        AttentionApi.Map(app, context);
        AttributionApi.Map(app, context);
        PatchingApi.Map(app, context);
        NeuronApi.Map(app, context);
        ProbeApi.Map(app, context);
        TcavApi.Map(app, context);
        XmdApi.Map(app, context);
        JobApi.Map(app, context);
        return new ExplorerServer(app, context);
    }

    /// <summary>Starts listening.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> fires (Ctrl+C in the CLI).</summary>
    public async Task RunUntilAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Stops the server, cancels jobs and disposes the model.</summary>
    public async ValueTask DisposeAsync()
    {
        Context.Jobs.Dispose();
        await _app.DisposeAsync().ConfigureAwait(false);
        Context.Host.Dispose();
    }
}
