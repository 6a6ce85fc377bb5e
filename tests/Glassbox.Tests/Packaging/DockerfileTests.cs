using System.Text.Json;
using System.Text.RegularExpressions;
using Glassbox.Tests.Architecture;

namespace Glassbox.Tests.Packaging;

/// <summary>deploy/Dockerfile's base images can run the CLI it publishes: the runtime image carries every shared
/// framework in the CLI's runtimeconfig (the explorer needs ASP.NET Core, and without it the host starts no command at
/// all), and both images are of the framework version the CLI targets. Checked without Docker; a container run of the
/// image is <see cref="ContainerJobTests"/>.</summary>
public sealed partial class DockerfileTests
{
    [GeneratedRegex(@"^ARG\s+(\w+)=(\S+)", RegexOptions.Multiline)]
    private static partial Regex ArgDefault();

    /// <summary>Each shared framework and the .NET image that carries it (the images nest: aspnet holds runtime's).</summary>
    private static readonly Dictionary<string, string[]> ImagesWith = new(StringComparer.Ordinal)
    {
        ["Microsoft.NETCore.App"] = new[] { "dotnet/runtime", "dotnet/aspnet", "dotnet/sdk" },
        ["Microsoft.AspNetCore.App"] = new[] { "dotnet/aspnet", "dotnet/sdk" },
    };

    private static Dictionary<string, string> Defaults() =>
        ArgDefault()
            .Matches(File.ReadAllText(Path.Combine(PartRules.RepoRoot(), "deploy", "Dockerfile")))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

    private static List<(string Name, string Version)> CliFrameworks()
    {
        string config = Path.Combine(AppContext.BaseDirectory, "Glassbox.Cli.runtimeconfig.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(config));
        return doc
            .RootElement.GetProperty("runtimeOptions")
            .GetProperty("frameworks")
            .EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString()!, f.GetProperty("version").GetString()!))
            .ToList();
    }

    [Fact]
    public void Should_base_the_runtime_image_on_one_that_has_every_framework_the_cli_needs()
    {
        string image = Defaults()["RUNTIME_IMAGE"];
        var frameworks = CliFrameworks();
        Assert.Contains(frameworks, f => f.Name == "Microsoft.AspNetCore.App");
        foreach (var (name, _) in frameworks)
            Assert.True(
                ImagesWith[name].Any(i => image.Contains(i + ":", StringComparison.Ordinal)),
                $"deploy/Dockerfile's RUNTIME_IMAGE {image} lacks {name}, which Glassbox.Cli needs"
            );
    }

    [Fact]
    public void Should_tag_both_base_images_with_the_framework_version_the_cli_targets()
    {
        var d = Defaults();
        foreach (var (_, version) in CliFrameworks())
        {
            string majorMinor = string.Join('.', version.Split('.').Take(2));
            Assert.EndsWith(":" + majorMinor, d["SDK_IMAGE"], StringComparison.Ordinal);
            Assert.EndsWith(":" + majorMinor, d["RUNTIME_IMAGE"], StringComparison.Ordinal);
        }
    }
}
