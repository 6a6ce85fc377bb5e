using System.Diagnostics;

namespace Glassbox.Tests;

/// <summary>Runs the CLI in a child process (the test build's Glassbox.Cli.dll under its runtime config), for tests
/// that kill a run or run several at once.</summary>
internal static class CliProcess
{
    /// <summary>Starts the CLI with <paramref name="args"/>, standard output and error redirected, progress every
    /// 0.05 s.</summary>
    public static Process Start(IEnumerable<string> args)
    {
        string bin = AppContext.BaseDirectory;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (
            var a in new[]
            {
                "exec",
                "--runtimeconfig",
                Path.Combine(bin, "Glassbox.Tests.runtimeconfig.json"),
                "--depsfile",
                Path.Combine(bin, "Glassbox.Tests.deps.json"),
                Path.Combine(bin, "Glassbox.Cli.dll"),
            }.Concat(args)
        )
            psi.ArgumentList.Add(a);
        psi.Environment["GLASSBOX_PROGRESS_SECONDS"] = "0.05";
        return Process.Start(psi)!;
    }
}
