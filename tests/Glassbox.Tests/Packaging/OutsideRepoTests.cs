using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Glassbox.Tests.Packaging;

/// <summary>A console project in a temp folder outside the repository runs the README's library snippet with nothing
/// copied by hand: once against the locally packed NuGet packages (the GLIBCXX step arrives as the Glassbox.Core
/// package's buildTransitive targets) and once with a ProjectReference to the repository's csproj (the repository's
/// targets cannot run in that build, so Glassbox.Core's run-time fallback loads a patched copy of the shim).
/// Slow (restore + build, about a minute each); they share a collection so they never run at the same time.</summary>
[Collection("outside-repo")]
[Trait("Category", "Slow")]
public sealed class OutsideRepoTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(2);
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-outside-").FullName;
    private readonly string _version = "0.1.0-outside." + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        // Drop this run's uniquely versioned Glassbox packages from the global packages folder.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (!Directory.Exists(packages))
            return;
        foreach (var id in Directory.EnumerateDirectories(packages, "glassbox.*"))
        {
            var d = Path.Combine(id, _version);
            try
            {
                if (Directory.Exists(d))
                    Directory.Delete(d, true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    [SkippableFact]
    public void Should_run_the_readme_snippet_in_a_console_project_that_references_the_packed_packages()
    {
        var dotnet = Dotnet();
        var repo = RepoRoot();
        var feed = Path.Combine(_dir, "feed");
        Run(
            dotnet,
            repo,
            "pack",
            Path.Combine(repo, "Glassbox.Libraries.slnf"),
            "-c",
            Configuration,
            "--no-build",
            "-o",
            feed,
            $"-p:Version={_version}",
            "--disable-build-servers"
        );
        Assert.True(File.Exists(Path.Combine(feed, $"Glassbox.Core.{_version}.nupkg")), "Glassbox.Core was not packed");

        var app = NewConsoleProject(
            dotnet,
            feed,
            $"<PackageReference Include=\"Glassbox.Explain\" Version=\"{_version}\" />"
        );
        var build = Run(dotnet, app, "build", "-c", "Release", "--disable-build-servers");
        var output = Run(dotnet, app, "run", "-c", "Release", "--no-build");
        AssertSnippetResult(output);

        var shim = Directory
            .EnumerateFiles(Path.Combine(app, "bin"), "libLibTorchSharp.so", SearchOption.AllDirectories)
            .Single();
        if (GlibcxxShim.SystemNeedsPatch())
        {
            Assert.True(
                Elf.IsVersionWeak(File.ReadAllBytes(shim), GlibcxxShim.NeededVersion),
                "the package's buildTransitive targets did not patch " + shim + "\n" + build
            );
            Assert.Contains("marked GLIBCXX_3.4.32 weak", build);
        }
    }

    [SkippableFact]
    public void Should_run_the_readme_snippet_in_a_console_project_with_a_project_reference_to_the_repository()
    {
        var dotnet = Dotnet();
        var repo = RepoRoot();
        var csproj = Path.Combine(repo, "src", "Glassbox.Explain", "Glassbox.Explain.csproj");
        var app = NewConsoleProject(dotnet, null, $"<ProjectReference Include=\"{csproj}\" />");
        var cache = Path.Combine(_dir, "cache");
        // Same configuration as this test run, so the repository's projects are already built and up to date.
        Run(dotnet, app, "build", "-c", Configuration, "--disable-build-servers");
        var output = Run(
            dotnet,
            app,
            new Dictionary<string, string> { [GlibcxxShim.CacheVariable] = cache },
            "run",
            "-c",
            Configuration,
            "--no-build"
        );
        AssertSnippetResult(output);

        if (GlibcxxShim.SystemNeedsPatch())
        {
            var shim = Directory
                .EnumerateFiles(Path.Combine(app, "bin"), "libLibTorchSharp.so", SearchOption.AllDirectories)
                .First(p => !p.Contains($"{Path.DirectorySeparatorChar}cpu{Path.DirectorySeparatorChar}"));
            Assert.False(
                Elf.IsVersionWeak(File.ReadAllBytes(shim), GlibcxxShim.NeededVersion),
                "expected the consumer's own build to leave the shim unpatched"
            );
            var copy = Directory.EnumerateFiles(cache, "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
            Assert.True(Elf.IsVersionWeak(File.ReadAllBytes(copy), GlibcxxShim.NeededVersion));
        }
    }

    private static void AssertSnippetResult(string output) =>
        Assert.Matches(new Regex(@"pattern \[1, 12, \d+, \d+\], grad \[1, \d+, 384\]"), output);

    /// <summary>A console project whose Program.cs is the README's "Library in 20 lines" snippet, verbatim.</summary>
    private string NewConsoleProject(string dotnet, string? feed, string reference)
    {
        var app = Path.Combine(_dir, "app");
        Directory.CreateDirectory(app);
        // Empty props/targets so nothing from a folder above leaks in (the temp folder is outside the repository).
        foreach (var f in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(app, f), "<Project />\n");
        var sources = new StringBuilder();
        if (feed is not null)
            sources.AppendLine(CultureInfo.InvariantCulture, $"    <add key=\"glassbox-local\" value=\"{feed}\" />");
        int i = 0;
        foreach (var s in ConfiguredSources(dotnet))
            sources.AppendLine(CultureInfo.InvariantCulture, $"    <add key=\"source{i++}\" value=\"{s}\" />");
        File.WriteAllText(
            Path.Combine(app, "nuget.config"),
            $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
            {sources}  </packageSources>
            </configuration>
            """
        );
        File.WriteAllText(
            Path.Combine(app, "App.csproj"),
            $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                {reference}
              </ItemGroup>
            </Project>
            """
        );
        File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeSnippet());
        return app;
    }

    private static string ReadmeSnippet()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        int section = readme.IndexOf("## Library in 20 lines", StringComparison.Ordinal);
        Assert.True(section >= 0, "README has no 'Library in 20 lines' section");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        var code = readme[start..end];
        Assert.Contains("Console.WriteLine", code);
        return code;
    }

    /// <summary>The enabled package sources of this machine (<c>dotnet nuget list source</c>).</summary>
    private IEnumerable<string> ConfiguredSources(string dotnet)
    {
        var list = Run(dotnet, _dir, "nuget", "list", "source", "--format", "short");
        return list.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("E ", StringComparison.Ordinal))
            .Select(l => l[2..].Trim())
            .ToArray();
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Glassbox.sln")))
                return d.FullName;
        throw new InvalidOperationException("Glassbox.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Dotnet()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
            return host;
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator)
            .Select(p => Path.Combine(p, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"))
            .FirstOrDefault(File.Exists);
        Skip.If(onPath is null, "no dotnet on PATH: cannot build a project outside the repository");
        return onPath!;
    }

    private static string Run(string dotnet, string dir, params string[] args) =>
        Run(dotnet, dir, new Dictionary<string, string>(), args);

    /// <summary>Runs dotnet with a clean MSBuild environment; fails with the output when it fails or runs past the limit.</summary>
    private static string Run(string dotnet, string dir, Dictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        // The test host inherits the outer build's MSBuild variables; a nested build must find its own SDK.
        foreach (
            var key in psi
                .Environment.Keys.Where(k =>
                    k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                    || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                )
                .ToList()
        )
            psi.Environment.Remove(key);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        var text = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (text)
                    text.AppendLine(e.Data);
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (text)
                    text.AppendLine(e.Data);
        };
        var sw = Stopwatch.StartNew();
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(StepLimit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"dotnet {string.Join(' ', args)} ran past {StepLimit.TotalSeconds:F0} s in {dir}\n{text}"
                )
            );
        }
        p.WaitForExit();
        string all;
        lock (text)
            all = text.ToString();
        Assert.True(
            p.ExitCode == 0,
            string.Create(
                CultureInfo.InvariantCulture,
                $"dotnet {string.Join(' ', args)} exited with {p.ExitCode} after {sw.Elapsed.TotalSeconds:F0} s in {dir}\n{all}"
            )
        );
        return all;
    }
}
