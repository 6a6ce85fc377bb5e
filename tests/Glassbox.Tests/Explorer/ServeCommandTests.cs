using System.Text.Json;

namespace Glassbox.Tests.Explorer;

/// <summary><c>glassbox serve</c> on the command line: a remote bind without a token is refused before the model
/// loads (exit 2, one line), and <c>--check</c> starts, prints the pages and stops.</summary>
[Collection("console")]
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-serve-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_refuse_a_remote_bind_without_a_token_with_exit_code_2()
    {
        var (code, o, e) = CliHarness.Run("serve", "-m", "no-such-model", "--bind", "0.0.0.0", "--port", "0");
        Assert.Equal(2, code);
        string message = (o + e).Trim();
        Assert.Contains("--token", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        (code, _, e) = CliHarness.Run("serve", "-m", "no-such-model", "--bind", "my-laptop", "--port", "0");
        Assert.Equal(2, code);
        Assert.Contains("--bind", e, StringComparison.Ordinal);
        // localhost is a loopback bind: no token needed; the run gets as far as the (missing) model.
        (code, _, e) = CliHarness.Run("serve", "-m", "no-such-model", "--bind", "localhost", "--port", "0");
        Assert.Equal(2, code);
        Assert.DoesNotContain("--bind", e, StringComparison.Ordinal);
        Assert.DoesNotContain("--token", e, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_start_and_stop_with_check_and_list_every_page()
    {
        var m = ExplorerTestHost.TinyLm(_dir);
        var (code, o, e) = CliHarness.Run("serve", "-m", m, "--port", "0", "--check", "--json", "--threads", "1");
        Assert.True(code == 0, e);
        using var doc = JsonDocument.Parse(o);
        var r = doc.RootElement.GetProperty("result");
        Assert.StartsWith("http://127.0.0.1:", r.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            Glassbox.Explorer.Pages.PageRegistry.All.Select(p => p.Path),
            r.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("path").GetString())
        );
    }

    [Fact]
    public void Should_serve_a_classifier_directory_and_list_its_labels()
    {
        var dir = TinyClassifiers.WriteClassifier(Path.Combine(_dir, "clf"));
        var (code, o, e) = CliHarness.Run("serve", "-m", dir, "--port", "0", "--check", "--json", "--threads", "1");
        Assert.True(code == 0, e);
        using var doc = JsonDocument.Parse(o);
        var r = doc.RootElement.GetProperty("result");
        Assert.Equal(["negative", "positive"], r.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        // --out must be a folder whose parent exists.
        (code, _, e) = CliHarness.Run(
            "serve",
            "-m",
            dir,
            "--port",
            "0",
            "--check",
            "--out",
            Path.Combine(_dir, "a", "b")
        );
        Assert.Equal(2, code);
        Assert.Contains("--out", e, StringComparison.Ordinal);
    }
}
