using System.Globalization;
using Glassbox.Tests.Cli;
using Glassbox.Tests.Loading;

namespace Glassbox.Tests.Fuzz;

/// <summary>Issue 16: <c>probe pos --train F --test F</c> with one file ended in an internal error.</summary>
public class ProbeSameFileTests
{
    internal static string Treebank(string dir, int sentences = 24)
    {
        var f = Path.Combine(dir, "same.conllu");
        string[] nouns = { "dog", "cat", "girl", "boy" };
        var lines = new List<string>();
        for (int i = 0; i < sentences; i++)
        {
            string n = nouns[i % nouns.Length];
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"# sent_id = s{i}"));
            lines.Add("1\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\t_");
            lines.Add($"2\t{n}\t{n}\tNOUN\tNN\tNumber=Sing\t3\tnsubj\t_\t_");
            lines.Add("3\twent\tgo\tVERB\tVBD\t_\t0\troot\t_\t_");
            lines.Add("4\thome\thome\tNOUN\tNN\t_\t3\tobj\t_\t_");
            lines.Add("");
        }
        File.WriteAllLines(f, lines);
        return f;
    }

    [Fact]
    public void Should_run_probe_pos_with_the_same_file_for_train_and_test()
    {
        using var dir = new TempDir();
        var m = TinyCliModel.Write(Path.Combine(dir.Path, "m"));
        var ud = Treebank(dir.Path);
        var (code, outText, err) = CliHarness.Run(
            "probe",
            "pos",
            "-m",
            m,
            "--train",
            ud,
            "--test",
            ud,
            "--no-random-model",
            "--no-control",
            "--out",
            Path.Combine(dir.Path, "probe.json")
        );
        Assert.True(code == 0, string.Create(CultureInfo.InvariantCulture, $"exit {code}: {err}"));
        Assert.DoesNotContain("internal error", err + outText);
        Assert.Contains("same file", outText + err);
    }
}
