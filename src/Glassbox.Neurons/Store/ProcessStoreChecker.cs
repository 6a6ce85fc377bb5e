using System.Diagnostics;
using System.Globalization;

namespace Glassbox.Neurons.Store;

/// <summary>
/// An <see cref="IStoreChecker"/> that starts <c>glassbox neurons check --store PATH</c> as a child process and reads
/// its exit code: 0, every table read; 2, a clear error (passed on as this process's one-line error); anything else (a
/// signal, an internal error) or no exit within the time limit, a crash. Every failure is an
/// <see cref="InputException"/> naming the store: a store the check could not read whole is not opened here either,
/// because the part it did not reach might be the part that crashes DuckDB.
/// </summary>
public sealed class ProcessStoreChecker : IStoreChecker
{
    private readonly string fileName;
    private readonly IReadOnlyList<string> leading;
    private readonly TimeSpan? timeout;

    /// <summary>A checker that starts <paramref name="fileName"/> with <paramref name="leadingArguments"/> before
    /// <c>neurons check --store PATH</c> (e.g. <c>dotnet</c> and the path of <c>Glassbox.Cli.dll</c>, or an installed
    /// <c>glassbox</c> and none).</summary>
    /// <param name="fileName">The program to start.</param>
    /// <param name="leadingArguments">Arguments before the command.</param>
    /// <param name="timeout">How long the check may take; null: 2 minutes plus 1 second per 16 MB of store.</param>
    public ProcessStoreChecker(string fileName, IEnumerable<string> leadingArguments, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(leadingArguments);
        this.fileName = fileName;
        leading = leadingArguments.ToArray();
        this.timeout = timeout;
    }

    /// <inheritdoc/>
    public void Check(string path, string argument)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in leading.Concat(new[] { "neurons", "check", "--store", path }))
            start.ArgumentList.Add(a);
        var limit = timeout ?? TimeSpan.FromSeconds(120 + new FileInfo(path).Length / (16 << 20));
        using var p = StartOrThrow(start, path, argument);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: reading '{path}' in a separate check process did not finish in {limit.TotalSeconds:0} s; the store may be damaged, or made to hang readers: harvest or merge it again"
                )
            );
        }
        _ = stdout.GetAwaiter().GetResult();
        string last = stderr.GetAwaiter().GetResult().Trim().Split('\n').LastOrDefault() ?? "";
        if (p.ExitCode == 0)
            return;
        if (p.ExitCode == 2 && last.Length > 0) // "error: --store: <what>": the child's words, under this caller's name
            throw new InputException($"{argument}: {Strip(Strip(last, "error: "), "--store: ")}");
        throw new InputException(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{argument}: '{path}' {How(p.ExitCode)} when a separate process read it{(last.Length > 0 ? $" ({last})" : "")}: the store is damaged, or was made to crash readers; harvest or merge it again, and open only stores you or your jobs wrote"
            )
        );
    }

    private static string Strip(string s, string prefix) =>
        s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;

    private static string How(int code) =>
        code > 128
            ? string.Create(CultureInfo.InvariantCulture, $"crashed DuckDB (signal {code - 128})")
            : string.Create(CultureInfo.InvariantCulture, $"failed (exit code {code})");

    private Process StartOrThrow(ProcessStartInfo start, string path, string argument)
    {
        try
        {
            return Process.Start(start)
                ?? throw new InputException($"{argument}: could not start '{fileName}' to check '{path}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InputException($"{argument}: could not start '{fileName}' to check '{path}' ({e.Message})", e);
        }
    }
}
