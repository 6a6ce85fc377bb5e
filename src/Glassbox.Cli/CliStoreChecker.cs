using System.Reflection;
using Glassbox.Neurons.Store;

namespace Glassbox.Cli;

/// <summary>The CLI's <see cref="IStoreChecker"/>: this CLI started again as <c>glassbox neurons check</c>. Run as
/// <c>dotnet Glassbox.Cli.dll</c>, it starts through the same <c>dotnet</c> host with the same runtime config and
/// dependency files as this process; run as a program of its own (the installed tool's <c>glassbox</c>, a single-file
/// build), it starts that program; run inside another program (a test host), it starts the CLI's DLL through
/// <c>dotnet</c> with that program's runtime config and dependency files.</summary>
internal static class CliStoreChecker
{
    public static IStoreChecker Create()
    {
        var cli = typeof(CliStoreChecker).Assembly;
        string? process = Environment.ProcessPath;
        bool viaDotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet";
        if (!viaDotnet && process is not null && (cli.Location.Length == 0 || Assembly.GetEntryAssembly() == cli))
            return new ProcessStoreChecker(process, []);
        string host =
            viaDotnet ? process!
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h
            : "dotnet";
        string? deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';')[0];
        string? config =
            deps?.EndsWith(".deps.json", StringComparison.Ordinal) == true
                ? deps[..^".deps.json".Length] + ".runtimeconfig.json"
                : null;
        return File.Exists(deps) && File.Exists(config)
            ? new ProcessStoreChecker(host, ["exec", "--runtimeconfig", config, "--depsfile", deps, cli.Location])
            : new ProcessStoreChecker(host, [cli.Location]);
    }
}
