using Glassbox.Neurons.Store;

namespace Glassbox.Cli;

/// <summary>The CLI's <see cref="IStoreChecker"/>: this CLI started again as <c>glassbox neurons check</c>. As a DLL
/// it runs through the same <c>dotnet</c> host with the same runtime config and dependency files as this process (so
/// also when another program, a test, runs the CLI in its own process); a single-file build starts itself.</summary>
internal static class CliStoreChecker
{
    public static IStoreChecker Create()
    {
        string dll = typeof(CliStoreChecker).Assembly.Location;
        string? process = Environment.ProcessPath;
        if (dll.Length == 0 && process is not null) // a single-file build: the program is the CLI
            return new ProcessStoreChecker(process, []);
        string host =
            process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h
            : "dotnet";
        string? deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';')[0];
        string? config =
            deps?.EndsWith(".deps.json", StringComparison.Ordinal) == true
                ? deps[..^".deps.json".Length] + ".runtimeconfig.json"
                : null;
        return File.Exists(deps) && File.Exists(config)
            ? new ProcessStoreChecker(host, ["exec", "--runtimeconfig", config, "--depsfile", deps, dll])
            : new ProcessStoreChecker(host, [dll]);
    }
}
