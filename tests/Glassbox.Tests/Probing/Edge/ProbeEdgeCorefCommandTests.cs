using System.Globalization;
using System.Text.Json;
using Glassbox.Cli;

namespace Glassbox.Tests.Probing.Edge;

/// <summary>CLI tests of <c>probe sentence</c>, <c>probe edge</c> and <c>probe coref</c> on MiniLM with small built-in data.</summary>
[Collection("console")]
public sealed class ProbeEdgeCorefCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-edge-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    private static JsonElement Result(string output)
    {
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Should_probe_sentences_on_built_in_data_and_write_html()
    {
        var html = Path.Combine(_dir, "s.html");
        var (code, output, err) = Cli(
            "probe",
            "sentence",
            "--task",
            "voice",
            "--sentences",
            "60",
            "--no-random-model",
            "--json",
            "--threads",
            "1",
            "--out",
            html
        );
        Assert.True(code == 0, err);
        var root = Result(output);
        Assert.Equal("probe sentence", root.GetProperty("manifest").GetProperty("command").GetString());
        Assert.Equal(7, root.GetProperty("result").GetProperty("layers").GetArrayLength());
        Assert.Contains("<svg", File.ReadAllText(html));
    }

    [Fact]
    public void Should_probe_sentences_from_a_labelled_file()
    {
        var f = Path.Combine(_dir, "d.tsv");
        var lines = new List<string> { "sentence\tlabel" };
        for (int i = 0; i < 30; i++)
            lines.Add(
                i % 2 == 0
                    ? string.Create(CultureInfo.InvariantCulture, $"the girl is happy number {i}\tpos")
                    : string.Create(CultureInfo.InvariantCulture, $"the boy was sad number {i}\tneg")
            );
        File.WriteAllLines(f, lines);
        var (code, output, err) = Cli(
            "probe",
            "sentence",
            "--data",
            f,
            "--no-random-model",
            "--no-control",
            "--json",
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        Assert.Equal(2, Result(output).GetProperty("result").GetProperty("labels").GetArrayLength());
    }

    [Fact]
    public void Should_run_edge_probing_on_built_in_trees()
    {
        var json = Path.Combine(_dir, "e.json");
        var (code, output, err) = Cli(
            "probe",
            "edge",
            "--builtin",
            "--sentences",
            "40",
            "--task",
            "span",
            "--pooling",
            "max",
            "--no-random-model",
            "--no-control",
            "--json",
            "--threads",
            "1",
            "-o",
            json
        );
        Assert.True(code == 0, err);
        var r = Result(output).GetProperty("result");
        Assert.Equal("span", r.GetProperty("task").GetString());
        Assert.Equal("max", r.GetProperty("pooling").GetString());
        Assert.Equal(7, r.GetProperty("layers").GetArrayLength());
        Assert.True(File.Exists(json));
    }

    [Fact]
    public void Should_run_coreference_by_similarity()
    {
        var (code, output, err) = Cli(
            "probe",
            "coref",
            "--sentences",
            "40",
            "--test-sentences",
            "16",
            "--no-random-model",
            "--json",
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        var r = Result(output).GetProperty("result");
        Assert.Equal(16, r.GetProperty("testSentences").GetInt32());
        Assert.Equal(0.5, r.GetProperty("chance").GetDouble());
        Assert.Equal(7, r.GetProperty("layers").GetArrayLength());
    }

    [Theory]
    [InlineData("sentence", "--task", "mood")]
    [InlineData("edge", "--task", "srl")]
    [InlineData("edge", "--pooling", "sum")]
    [InlineData("coref", "--rank", "0")]
    public void Should_exit_2_on_bad_options(string command, string option, string value)
    {
        var args = new List<string> { "probe", command, option, value, "--json" };
        if (command == "edge")
            args.Add("--builtin");
        var (code, _, err) = Cli(args.ToArray());
        Assert.Equal(2, code);
        Assert.Contains(option, err);
    }

    [Fact]
    public void Should_exit_2_on_empty_data_files()
    {
        var tsv = Path.Combine(_dir, "empty.tsv");
        var conllu = Path.Combine(_dir, "empty.conllu");
        File.WriteAllText(tsv, "");
        File.WriteAllText(conllu, "");
        var (code, _, err) = Cli("probe", "sentence", "--data", tsv, "--json");
        Assert.Equal(2, code);
        Assert.Contains("empty.tsv", err);
        (code, _, err) = Cli("probe", "edge", "--data", conllu, "--json");
        Assert.Equal(2, code);
        Assert.Contains("empty.conllu", err);
    }
}
