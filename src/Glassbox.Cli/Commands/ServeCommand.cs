using System.ComponentModel;
using System.Globalization;
using Glassbox.Classification;
using Glassbox.Explorer;
using Glassbox.Explorer.Hosting;
using Glassbox.Explorer.Pages;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox serve</c>: the explorer, a local web app over the analyses of one model (docs/explorer.md).</summary>
public sealed class ServeCommand : Command<ServeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--store <PATH>")]
        [Description(
            "Activation store (.duckdb from 'neurons harvest') or a folder of them for the neuron pages; nothing else on disk is served."
        )]
        public string? Store { get; init; }

        [CommandOption("--port <PORT>")]
        [Description("TCP port (0 picks a free one). Default 5117.")]
        public int Port { get; init; } = ExplorerOptions.DefaultPort;

        [CommandOption("--bind <ADDRESS>")]
        [Description(
            "localhost or an IP address to listen on. Default 127.0.0.1; a non-loopback address also needs --token."
        )]
        public string Bind { get; init; } = "127.0.0.1";

        [CommandOption("--token <TOKEN>")]
        [Description("Access token (16+ characters) required from every client; open the page once as /?token=TOKEN.")]
        public string? Token { get; init; }

        [CommandOption("--out <DIR>")]
        [Description(
            "Folder the explorer may write to: each XMD update of a served classifier is saved in a new sub-folder. Default none (updates stay in memory)."
        )]
        public string? Out { get; init; }

        [CommandOption("--check")]
        [Description("Start, print the address and pages, then stop (checks the options, the model and the port).")]
        public bool Check { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new ExplorerOptions
        {
            Port = s.Port,
            Bind = s.Bind,
            Token = s.Token,
            Store = s.Store,
            Out = s.Out,
            StoreChecker = CliStoreChecker.Create(),
        };
        options.Validate();
        ExplorerServer server;
        if (Directory.Exists(s.Model) && ClassifierCheckpoint.IsClassifierDirectory(s.Model))
        {
            GlassboxRuntime.Initialize(s.Threads);
            var classifier = CliModel.Classifier(s, s.Model);
            try
            {
                server = ExplorerServer.Create(options, classifier);
            }
            catch
            {
                classifier.Dispose();
                throw;
            }
        }
        else
        {
            var model = CliModel.Load(s);
            try
            {
                server = ExplorerServer.Create(options, model);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        return Serve(server, s, cancellationToken).GetAwaiter().GetResult();
    }

    private static async Task<int> Serve(ExplorerServer server, Settings s, CancellationToken cancellationToken)
    {
        await using (server.ConfigureAwait(false))
        {
            try
            {
                await server.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"--port {s.Port}: cannot listen on {s.Bind} ({e.Message.Split('\n')[0]})"
                    )
                );
            }
            var url = server.Address.ToString().TrimEnd('/');
            var pages = PageRegistry
                .All.Select(p => new
                {
                    path = p.Path,
                    title = p.Title,
                    url = url + p.Path,
                })
                .ToList();
            var stores = server.Context.Paths.Stores();
            if (s.Json)
                CliJson.Write(
                    "serve",
                    server.Context.ModelName,
                    new
                    {
                        url,
                        check = s.Check,
                        tokenRequired = s.Token is not null,
                        pages,
                        stores,
                        labels = server.Context.Host.Classifier?.Labels,
                        output = s.Out,
                    },
                    RunManifest.For("serve", server.Context.Host.Model)
                );
            else
            {
                var t = Show.Titled($"Glassbox explorer: {server.Context.ModelName} at {url}")
                    .Columns("page", "address");
                foreach (var p in pages)
                    t.Row(p.title, p.url);
                Show.Write(t);
                Show.Line(
                    s.Check ? "Check passed: the explorer started and stopped."
                    : s.Token is not null ? "Open the address once with ?token=TOKEN. Press Ctrl+C to stop."
                    : "Press Ctrl+C to stop."
                );
            }
            if (s.Check)
                return 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                await server.RunUntilAsync(stop.Token).ConfigureAwait(false);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            return 0;
        }
    }
}
