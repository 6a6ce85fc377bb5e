using System.Text.RegularExpressions;

namespace Glassbox.Tests.Architecture;

/// <summary>TorchSharp methods that make implicit Scalars inside themselves, which the RS0030 ban on the implicit
/// conversions cannot see (see the comment at the top of Glassbox.Tensors.ScalarMath): no call to them in src/.</summary>
public partial class ScalarRuleTests
{
    // torch.normal(mean, std, size) is randn().mul_(std).add_(mean) with implicit Scalars; Tensor.normal_ likewise.
    [GeneratedRegex(@"(?<![\w.])normal\(|\.normal_\(|torch\.normal\(")]
    private static partial Regex ScalarMakingCall();

    [Fact]
    public void Should_call_no_torchsharp_method_that_makes_its_own_scalars()
    {
        string root = PartRules.RepoRoot();
        var offenders = new List<string>();
        int scanned = 0;
        foreach (
            string file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
        )
        {
            var parts = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
            if (parts.Contains("bin") || parts.Contains("obj"))
                continue;
            scanned++;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
                if (
                    !lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal)
                    && ScalarMakingCall().IsMatch(lines[i])
                )
                    offenders.Add(
                        FormattableString.Invariant($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}")
                    );
        }
        Assert.True(scanned > 50, FormattableString.Invariant($"only {scanned} files scanned"));
        Assert.Empty(offenders);
    }

    [Fact]
    public void Should_catch_a_call_to_torch_normal()
    {
        Assert.Matches(ScalarMakingCall(), "var t = normal(0, 0.02, shape, generator: g);");
        Assert.Matches(ScalarMakingCall(), "x.normal_(0, 1);");
        Assert.DoesNotMatch(ScalarMakingCall(), "var t = ScalarMath.Normal(shape, 0.02, g);");
    }
}
