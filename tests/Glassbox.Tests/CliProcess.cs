using System.Diagnostics;

namespace Glassbox.Tests;

/// <summary>Runs the CLI in a child process (the test build's Glassbox.Cli.dll under its runtime config), for tests
/// that kill a run or run several at once.</summary>
internal static class CliProcess
{
    /// <summary>Starts the CLI with <paramref name="args"/>, standard output and error redirected, progress every
    /// 0.05 s.</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        StartProgram("dotnet", Prefix.Concat(args), environment);

    /// <summary>The words that start the CLI (<c>dotnet exec ... Glassbox.Cli.dll</c>), for scripts that take the
    /// command in a variable; the test's temporary paths hold no spaces.</summary>
    public static string CommandLine => string.Join(' ', new[] { "dotnet" }.Concat(Prefix));

    /// <summary>Starts any program (e.g. bash running a deploy script), output redirected, with extra environment
    /// variables.</summary>
    public static Process StartProgram(
        string program,
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null
    )
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["GLASSBOX_PROGRESS_SECONDS"] = "0.05";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    /// <summary>Runs a started process to its end: exit code, standard output and error (read concurrently).</summary>
    public static (int Code, string Output, string Error) Finish(Process p)
    {
        var output = p.StandardOutput.ReadToEndAsync();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Result, error);
    }

    /// <summary>The arguments after <c>dotnet</c> that start the CLI (<c>exec ... Glassbox.Cli.dll</c>).</summary>
    public static IReadOnlyList<string> Arguments => Prefix;

    private static string[] Prefix
    {
        get
        {
            string bin = AppContext.BaseDirectory;
            return new[]
            {
                "exec",
                "--runtimeconfig",
                Path.Combine(bin, "Glassbox.Tests.runtimeconfig.json"),
                "--depsfile",
                Path.Combine(bin, "Glassbox.Tests.deps.json"),
                Path.Combine(bin, "Glassbox.Cli.dll"),
            };
        }
    }
}
