using System.Xml.Linq;

namespace Glassbox.Tests.Architecture;

/// <summary>The allowed dependencies between Glassbox's parts (docs/architecture.md draws the same table). A part may
/// reference only the parts listed for it; everything else is a forbidden edge.</summary>
internal static class PartRules
{
    /// <summary>Part → the parts it may reference directly.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>(
        StringComparer.Ordinal
    )
    {
        ["Glassbox.Core"] = [],
        ["Glassbox.Runtime"] = ["Glassbox.Core"],
        ["Glassbox.Data"] = ["Glassbox.Core"],
        ["Glassbox.Reports"] = ["Glassbox.Core"],
        ["Glassbox.Llm"] = ["Glassbox.Core"],
        ["Glassbox.Training"] = ["Glassbox.Core", "Glassbox.Runtime", "Glassbox.Data", "Glassbox.Reports"],
        ["Glassbox.Probing"] =
        [
            "Glassbox.Core",
            "Glassbox.Runtime",
            "Glassbox.Data",
            "Glassbox.Reports",
            "Glassbox.Training",
        ],
        ["Glassbox.Circuits"] =
        [
            "Glassbox.Core",
            "Glassbox.Runtime",
            "Glassbox.Data",
            "Glassbox.Reports",
            "Glassbox.Training",
        ],
        ["Glassbox.Neurons"] =
        [
            "Glassbox.Core",
            "Glassbox.Runtime",
            "Glassbox.Data",
            "Glassbox.Reports",
            "Glassbox.Training",
            "Glassbox.Probing",
            "Glassbox.Llm",
        ],
        ["Glassbox.Concepts"] =
        [
            "Glassbox.Core",
            "Glassbox.Runtime",
            "Glassbox.Data",
            "Glassbox.Reports",
            "Glassbox.Training",
            "Glassbox.Probing",
        ],
        ["Glassbox.Attribution"] =
        [
            "Glassbox.Core",
            "Glassbox.Runtime",
            "Glassbox.Data",
            "Glassbox.Reports",
            "Glassbox.Training",
            "Glassbox.Llm",
        ],
        ["Glassbox.Explorer"] =
        [
            "Glassbox.Core",
            "Glassbox.Runtime",
            "Glassbox.Data",
            "Glassbox.Reports",
            "Glassbox.Training",
            "Glassbox.Probing",
            "Glassbox.Circuits",
            "Glassbox.Neurons",
            "Glassbox.Concepts",
            "Glassbox.Attribution",
            "Glassbox.Llm",
        ],
        ["Glassbox.Explain"] =
        [
            "Glassbox.Core",
            "Glassbox.Runtime",
            "Glassbox.Data",
            "Glassbox.Reports",
            "Glassbox.Training",
            "Glassbox.Probing",
            "Glassbox.Circuits",
        ],
        ["Glassbox.Cli"] =
        [
            "Glassbox.Core",
            "Glassbox.Runtime",
            "Glassbox.Data",
            "Glassbox.Reports",
            "Glassbox.Training",
            "Glassbox.Probing",
            "Glassbox.Circuits",
            "Glassbox.Explain",
            "Glassbox.Neurons",
            "Glassbox.Concepts",
            "Glassbox.Attribution",
            "Glassbox.Explorer",
            "Glassbox.Llm",
        ],
    };

    /// <summary>Every edge of <paramref name="graph"/> (part → referenced parts) that the rules forbid, as "A -> B";
    /// a part missing from the rules is itself reported.</summary>
    public static IReadOnlyList<string> Violations(IReadOnlyDictionary<string, IReadOnlyCollection<string>> graph)
    {
        var bad = new List<string>();
        foreach (var (part, refs) in graph.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!Allowed.TryGetValue(part, out var allowed))
            {
                bad.Add($"{part} has no rule in PartRules");
                continue;
            }
            foreach (
                var r in refs.Where(r => r.StartsWith("Glassbox.", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal)
            )
                if (!allowed.Contains(r))
                    bad.Add($"{part} -> {r}");
        }
        return bad;
    }

    /// <summary>The repository root (the folder holding Glassbox.sln), found upwards from the test binaries.</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Glassbox.sln")))
                return d.FullName;
        throw new InvalidOperationException("Glassbox.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Project references of every project under src/, by project name.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyCollection<string>> ProjectGraph(string root)
    {
        var graph = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
        foreach (
            var csproj in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
        )
        {
            var refs = XDocument
                .Load(csproj)
                .Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToList();
            graph[Path.GetFileNameWithoutExtension(csproj)] = refs;
        }
        return graph;
    }
}
