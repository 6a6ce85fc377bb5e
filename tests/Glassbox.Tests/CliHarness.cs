using Glassbox.Cli;

namespace Glassbox.Tests;

/// <summary>Runs the CLI in-process with stdout/stderr captured. Tests that use it belong to the "console"
/// collection, so they never run in parallel with each other; the lock guards against any that do not.</summary>
internal static class CliHarness
{
    private static readonly object ConsoleLock = new();

    /// <summary>The <c>result</c> member of a <c>--json</c> envelope, as raw JSON text (to compare two runs' results
    /// without their manifests).</summary>
    public static string Result(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetRawText();
    }

    /// <summary>Runs <c>glassbox args...</c>; returns the exit code and the captured output and error text.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (ConsoleLock)
        {
            var (o, e) = (Console.Out, Console.Error);
            var (so, se) = (new StringWriter(), new StringWriter());
            Console.SetOut(so);
            Console.SetError(se);
            try
            {
                return (GlassboxCli.Run(args), so.ToString(), se.ToString());
            }
            finally
            {
                Console.SetOut(o);
                Console.SetError(e);
            }
        }
    }
}
