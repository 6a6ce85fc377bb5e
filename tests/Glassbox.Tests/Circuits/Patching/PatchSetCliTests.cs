using System.Globalization;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Circuits.Patching;

/// <summary><c>glassbox patch-set</c> and <c>patch-set-merge</c>: help, human mode with the report, two worker processes
/// against one run, and one-line exit-code-2 errors.</summary>
[Collection("console")]
public sealed class PatchSetCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-patch-set-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Model() => TinyCliModel.Write(Path.Combine(_dir, "tiny"));

    private string Prompts()
    {
        var path = Path.Combine(_dir, "prompts.jsonl");
        string[] names = ["lily", "tom", "ben"];
        var lines = new List<string>();
        foreach (var a in names)
        foreach (var b in names.Where(b => b != a))
        {
            lines.Add(
                $"{{\"clean\": \"{a} and {b} went to the park . {b} had a dog and\", \"corrupted\": \"{a} and {b} went to the park . {a} had a dog and\", \"answer\": \"{a}\", \"wrong\": \"{b}\"}}"
            );
            lines.Add(
                $"{{\"clean\": \"once upon a time {a} had a friend . one day\", \"corrupted\": \"once upon a time {b} had a friend . one day\", \"answer\": \"{a}\", \"wrong\": \"{b}\"}}"
            );
        }
        File.WriteAllLines(path, lines);
        return path;
    }

    private string[] Run(params string[] extra) =>
        new[] { "patch-set", "-m", Model(), "--prompts", Prompts(), "--resamples", "100", "--threads", "1" }
            .Concat(extra)
            .ToArray();

    [Theory]
    [InlineData("patch-set", "--shard-prompts")]
    [InlineData("patch-set-merge", "--parts")]
    public void Should_list_the_options_in_help(string command, string option)
    {
        var (code, o, _) = CliHarness.Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains(option, o, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_show_the_set_in_human_mode_and_write_the_report()
    {
        var report = Path.Combine(_dir, "set.html");
        var (code, o, e) = CliHarness.Run(Run("--out", report));
        Assert.True(code == 0, e);
        Assert.Contains(
            "12 prompt pairs (aligned at the last token)",
            o.Replace("\n", " ", StringComparison.Ordinal),
            StringComparison.Ordinal
        );
        Assert.Contains("Control: gap clean", o, StringComparison.Ordinal);
        Assert.Contains("Strongest: L", o, StringComparison.Ordinal);
        Assert.Contains("<svg", File.ReadAllText(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_merge_two_worker_processes_into_the_single_run_result()
    {
        var (code, single, e) = CliHarness.Run(Run("--json", "--hook", "z"));
        Assert.True(code == 0, e);
        var parts = Path.Combine(_dir, "parts");
        var workers = Enumerable
            .Range(0, 2)
            .Select(k =>
                CliProcess.Start(
                    Run(
                        "--hook",
                        "z",
                        "--parts",
                        parts,
                        "--shard",
                        k.ToString(CultureInfo.InvariantCulture) + "/2",
                        "--shard-prompts",
                        "5"
                    )
                )
            )
            .ToList();
        foreach (var w in workers)
            using (w)
            {
                var r = CliProcess.Finish(w);
                Assert.True(r.Code == 0, r.Error);
                Assert.Contains("worker", r.Output, StringComparison.Ordinal);
            }
        var (c2, merged, e2) = CliHarness.Run("patch-set-merge", "--parts", parts, "--json");
        Assert.True(c2 == 0, e2);
        Assert.Equal(Result(single), Result(merged));
        var (c3, human, e3) = CliHarness.Run("patch-set-merge", "--parts", parts);
        Assert.True(c3 == 0, e3);
        Assert.Contains("head", human, StringComparison.Ordinal);
    }

    private static string Result(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetRawText();
    }

    [Theory]
    [InlineData("no-prompts")]
    [InlineData("bad-line")]
    [InlineData("shard-without-parts")]
    [InlineData("out-with-parts")]
    [InlineData("bad-mode")]
    [InlineData("missing-part")]
    [InlineData("bad-heads")]
    public void Should_refuse_bad_input_in_one_line(string kind)
    {
        var parts = Path.Combine(_dir, "parts");
        var bad = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(
            bad,
            "{\"clean\": \"lily went home\", \"corrupted\": \"lily went to the park\", \"answer\": \"lily\", \"wrong\": \"tom\"}\n"
        );
        string[] args = kind switch
        {
            "no-prompts" => ["patch-set", "-m", Model()],
            "bad-line" => ["patch-set", "-m", Model(), "--prompts", bad],
            "shard-without-parts" => Run("--shard", "0/2"),
            "out-with-parts" => Run("--parts", parts, "--out", Path.Combine(_dir, "r.html")),
            "bad-mode" => Run("--mode", "sideways"),
            "missing-part" => MissingPart(parts),
            _ => Run("--hook", "z", "--heads", "9"),
        };
        var (code, _, err) = CliHarness.Run(args);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        string expected = kind switch
        {
            "no-prompts" => "--prompts is required",
            "bad-line" => "line 1",
            "shard-without-parts" => "--shard",
            "out-with-parts" => "--out",
            "bad-mode" => "--mode",
            "missing-part" => "missing",
            _ => "head 9",
        };
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    private string[] MissingPart(string parts)
    {
        Assert.Equal(0, CliHarness.Run(Run("--parts", parts, "--shard", "0/2", "--shard-prompts", "5")).Code);
        return ["patch-set-merge", "--parts", parts];
    }
}
