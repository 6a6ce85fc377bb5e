using System.Globalization;
using System.Text.RegularExpressions;

namespace Glassbox.Tests.Hooks;

/// <summary>Keeps the rule that hook names are spelled only in Glassbox.Runtime's hook table: no "hook_*" string
/// literal and no <c>EndsWith("…hook_…")</c> suffix match anywhere else in src/ or bench/.</summary>
public partial class HookLiteralRuleTests
{
    [GeneratedRegex("\"[^\"]*hook_[a-z_]+")]
    private static partial Regex HookLiteral();

    [GeneratedRegex("EndsWith\\(\\s*\\$?@?\"[^\"]*hook_")]
    private static partial Regex HookSuffixMatch();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Glassbox.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no Glassbox.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Should_spell_hook_names_only_in_the_runtime()
    {
        string root = RepoRoot();
        string runtime = Path.Combine(root, "src", "Glassbox.Runtime") + Path.DirectorySeparatorChar;
        var offenders = new List<string>();
        int scanned = 0;
        foreach (string top in new[] { "src", "bench" })
        {
            string dir = Path.Combine(root, top);
            if (!Directory.Exists(dir))
                continue;
            foreach (string file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                if (file.StartsWith(runtime, StringComparison.Ordinal))
                    continue;
                string rel = Path.GetRelativePath(root, file);
                var parts = rel.Split(Path.DirectorySeparatorChar);
                if (parts.Contains("bin") || parts.Contains("obj"))
                    continue;
                scanned++;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                {
                    string line = lines[i];
                    if (line.TrimStart().StartsWith("//", StringComparison.Ordinal))
                        continue; // doc comments may name hooks
                    if (HookLiteral().IsMatch(line) || HookSuffixMatch().IsMatch(line))
                        offenders.Add(string.Create(CultureInfo.InvariantCulture, $"{rel}:{i + 1}: {line.Trim()}"));
                }
            }
        }
        Assert.True(
            scanned > 50,
            string.Create(CultureInfo.InvariantCulture, $"only {scanned} source files found under {root}")
        );
        Assert.True(
            offenders.Count == 0,
            "hook names spelled outside Glassbox.Runtime (use HookPoints):\n" + string.Join("\n", offenders)
        );
    }
}
