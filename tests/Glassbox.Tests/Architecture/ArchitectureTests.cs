using System.Reflection;

namespace Glassbox.Tests.Architecture;

/// <summary>The parts' dependency rules (docs/architecture.md) hold in the project files and in the compiled
/// assemblies, and the checker catches a forbidden edge.</summary>
public class ArchitectureTests
{
    [Fact]
    public void Should_have_only_allowed_project_references()
    {
        var graph = PartRules.ProjectGraph(PartRules.RepoRoot());
        Assert.Contains("Glassbox.Runtime", graph.Keys);
        Assert.Empty(PartRules.Violations(graph));
    }

    [Fact]
    public void Should_have_only_allowed_assembly_references()
    {
        var dir = AppContext.BaseDirectory;
        var graph = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
        foreach (var part in PartRules.Allowed.Keys)
        {
            var path = Path.Combine(dir, part + ".dll");
            Assert.True(File.Exists(path), $"{part}.dll is not beside the tests");
            graph[part] = Assembly.LoadFrom(path).GetReferencedAssemblies().Select(a => a.Name!).ToList();
        }
        Assert.Empty(PartRules.Violations(graph));
    }

    [Fact]
    public void Should_report_a_forbidden_reference_when_one_is_added()
    {
        // What the project-file check sees if someone adds <ProjectReference Include="../Glassbox.Probing/..."/> to
        // Circuits, or makes the runtime read datasets: both edges are named.
        var graph = PartRules
            .ProjectGraph(PartRules.RepoRoot())
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        graph["Glassbox.Circuits"] = graph["Glassbox.Circuits"].Append("Glassbox.Probing").ToList();
        graph["Glassbox.Runtime"] = graph["Glassbox.Runtime"].Append("Glassbox.Data").ToList();
        Assert.Equal(
            new[] { "Glassbox.Circuits -> Glassbox.Probing", "Glassbox.Runtime -> Glassbox.Data" },
            PartRules.Violations(graph)
        );
    }

    [Fact]
    public void Should_report_a_new_part_without_rules()
    {
        var graph = new Dictionary<string, IReadOnlyCollection<string>> { ["Glassbox.Unruled"] = ["Glassbox.Core"] };
        Assert.Equal(new[] { "Glassbox.Unruled has no rule in PartRules" }, PartRules.Violations(graph));
    }

    [Fact]
    public void Should_keep_every_part_in_its_own_folder_with_one_project()
    {
        var root = PartRules.RepoRoot();
        foreach (var part in PartRules.Allowed.Keys)
            Assert.True(
                File.Exists(Path.Combine(root, "src", part, part + ".csproj")),
                $"src/{part}/{part}.csproj is missing"
            );
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.TopDirectoryOnly));
    }
}
