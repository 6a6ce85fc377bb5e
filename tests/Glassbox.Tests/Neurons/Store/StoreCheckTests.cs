using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Glassbox.Neurons.Store;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>Issue 16: a store this machine has neither written nor checked is read whole in a separate process
/// (<c>neurons check</c>) before DuckDB opens it here, so that a crafted store which crashes DuckDB ends that process
/// with a clear error instead of this one.</summary>
[Collection("console")]
public sealed class StoreCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-store-check-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static ProcessStoreChecker CliChecker() => new("dotnet", CliProcess.Arguments);

    /// <summary>The tiny store of the activation store's fuzz test (the same settings, so the same bytes).</summary>
    private string GoodStore()
    {
        using var model = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(6));
        var good = Path.Combine(_dir, "good.duckdb");
        ActivationStore.Harvest(good, model, corpus, StoreTestData.Options);
        return good;
    }

    /// <summary>Writes <paramref name="bytes"/> as a store and seals it as someone editing it by hand would (the seal
    /// recomputed), without recording it as written here.</summary>
    private string Resealed(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        File.WriteAllText(
            path + ".sha256",
            Convert.ToHexStringLower(SHA256.HashData(bytes))
                + " "
                + bytes.Length.ToString(CultureInfo.InvariantCulture)
                + "\n"
        );
        return path;
    }

    /// <summary>A readable store no machine has seen: the good one with random bytes appended (DuckDB ignores them).</summary>
    private string Unseen(string good, string name) =>
        Resealed(name, File.ReadAllBytes(good).Concat(Guid.NewGuid().ToByteArray()).ToArray());

    /// <summary>The good store with the 2026-12-06 crash mutation, resealed.</summary>
    private string Crafted(string name = "crafted.duckdb")
    {
        var bytes = File.ReadAllBytes(GoodStore());
        foreach (int at in new[] { 19216, 86696 })
            Array.Fill(bytes, (byte)0xFF, at, 8);
        return Resealed(name, bytes);
    }

    [Fact]
    public async Task Should_answer_the_explorer_with_an_error_for_a_store_that_crashes_duckdb()
    {
        var crafted = Crafted();
        await using var host = await Glassbox.Tests.Explorer.ExplorerTestHost.StartAsync(checker: CliChecker());
        File.Copy(crafted, Path.Combine(host.Stores, "crafted.duckdb"));
        File.Copy(crafted + ".sha256", Path.Combine(host.Stores, "crafted.duckdb.sha256"));
        var e = await Glassbox.Tests.Explorer.ExplorerTestHost.JsonAsync(
            await host.Client.GetAsync("/api/neurons/top?unit=0.1&store=crafted.duckdb"),
            400
        );
        Assert.Contains("crashed DuckDB (signal 11)", e.GetProperty("error").GetString()!, StringComparison.Ordinal);
        // The server lives on: its own store still answers.
        await Glassbox.Tests.Explorer.ExplorerTestHost.JsonAsync(
            await host.Client.GetAsync("/api/neurons/top?unit=1.5&store=tiny.duckdb")
        );
    }

    [Fact]
    public void Should_report_a_resealed_store_that_crashes_duckdb_instead_of_crashing()
    {
        // The 2026-12-06 fuzz finding: two equal 8-byte words of one block set to 0xFF cancel in DuckDB's block
        // checksum (an XOR of per-word hashes), and a query then faults inside DuckDB. Resealed, the seal passes it.
        var crafted = Crafted();
        using (var p = CliProcess.Start(new[] { "neurons", "check", "--store", crafted }))
            Assert.True(
                CliProcess.Finish(p).Code == 139,
                "the crafted store no longer crashes DuckDB (SIGSEGV): this test needs a new crashing input"
            );

        var e = Assert.Throws<InputException>(() => ActivationStore.Open(crafted, CliChecker()));
        Assert.Contains(crafted, e.Message, StringComparison.Ordinal);
        Assert.Contains(
            "crashed DuckDB (signal 11) when a separate process read it",
            e.Message,
            StringComparison.Ordinal
        );

        var (code, output, err) = CliHarness.Run("neurons", "top", "--store", crafted, "--unit", "0.1");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--store: '" + crafted + "' crashed DuckDB", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + err, StringComparison.Ordinal);
    }

    private sealed class CountingChecker(bool readable) : IStoreChecker
    {
        public int Calls { get; private set; }

        public void Check(string path, string argument)
        {
            Calls++;
            if (!readable)
                throw new InputException($"{argument}: '{path}' is not a readable activation store (test)");
        }
    }

    [Fact]
    public void Should_check_a_store_from_elsewhere_once_and_open_a_store_written_here_directly()
    {
        var good = GoodStore();
        var checker = new CountingChecker(true);
        using (ActivationStore.Open(good, checker)) { }
        Assert.Equal(0, checker.Calls); // its harvest sealed it here

        var unseen = Unseen(good, "unseen.duckdb");
        using (var s = ActivationStore.Open(unseen, checker))
            Assert.Equal(128, s.Query("SELECT count(*) FROM units")[0][0] is long n ? n : -1);
        using (ActivationStore.Open(unseen, checker)) { }
        Assert.Equal(1, checker.Calls); // checked once, then known

        // A check that fails records nothing and the store is not opened here (its unread part might crash DuckDB).
        var refused = new CountingChecker(false);
        var other = Unseen(good, "other.duckdb");
        for (int i = 0; i < 2; i++)
            Assert.Throws<InputException>(() => ActivationStore.Open(other, refused, "store"));
        Assert.Equal(2, refused.Calls);
    }

    [Fact]
    public void Should_check_an_unseen_store_through_the_cli_and_open_it()
    {
        var unseen = Unseen(GoodStore(), "unseen.duckdb");
        CliChecker().Check(unseen, "--store");
        var (code, output, err) = CliHarness.Run(
            "neurons",
            "top",
            "--store",
            Unseen(unseen, "u2.duckdb"),
            "--unit",
            "0.1"
        );
        Assert.True(code == 0, err);
        Assert.Contains("Histogram", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_forget_checked_stores_unused_for_90_days_when_one_is_added()
    {
        static string Fake() => Convert.ToHexStringLower(SHA256.HashData(Guid.NewGuid().ToByteArray()));
        string old = Fake(),
            used = Fake(),
            added = Fake();
        CheckedStores.Add(old, "old.duckdb");
        CheckedStores.Add(used, "used.duckdb");
        string Entry(string h) =>
            CacheFolders.Roots().Select(r => Path.Combine(r, "checked-stores", h)).First(File.Exists);
        File.SetLastWriteTimeUtc(Entry(old), DateTime.UtcNow.AddDays(-91));
        File.SetLastWriteTimeUtc(Entry(used), DateTime.UtcNow.AddDays(-91));
        Assert.True(CheckedStores.Contains(used)); // a use refreshes its age
        CheckedStores.Add(added, "added.duckdb");
        Assert.False(CheckedStores.Contains(old));
        Assert.True(CheckedStores.Contains(used));
        Assert.True(CheckedStores.Contains(added));
        File.Delete(Entry(used));
        File.Delete(Entry(added));
    }

    [Fact]
    public void Should_read_every_table_with_neurons_check_in_human_mode_and_json()
    {
        var good = GoodStore();
        var (code, output, err) = CliHarness.Run("neurons", "check", "--store", good);
        Assert.True(code == 0, err);
        Assert.Contains("Read whole", output, StringComparison.Ordinal);
        Assert.Contains("quantile_samples", output, StringComparison.Ordinal);
        (code, output, err) = CliHarness.Run("neurons", "check", "--store", good, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var rows = doc.RootElement.GetProperty("result").GetProperty("rows");
        Assert.Equal(128, rows.GetProperty("units").GetInt64());
        Assert.Equal(9, rows.EnumerateObject().Count());
        (code, output, _) = CliHarness.Run("neurons", "check", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--store", output, StringComparison.Ordinal);
        foreach (
            var (args, names) in new (string[], string)[]
            {
                (new[] { "neurons", "check" }, "--store"),
                (new[] { "neurons", "check", "--store", Path.Combine(_dir, "none.duckdb") }, "none.duckdb"),
            }
        )
        {
            (code, output, err) = CliHarness.Run(args);
            Assert.Equal(2, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains(names, err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_report_a_check_process_that_crashes_fails_hangs_or_cannot_start()
    {
        var store = Path.Combine(_dir, "any.duckdb");
        File.WriteAllText(store, "x");
        ProcessStoreChecker Sh(string script, TimeSpan? timeout = null) => new("/bin/sh", ["-c", script], timeout);
        Sh("exit 0").Check(store, "--store"); // read whole: no error
        foreach (
            var (checker, says) in new (ProcessStoreChecker, string)[]
            {
                // sh -c SCRIPT neurons check --store PATH: the path is $3; the child's error keeps its words
                (
                    Sh("echo \"error: --store: '$3' is not a readable activation store (x)\" >&2; exit 2"),
                    "' is not a readable activation store (x)"
                ),
                (Sh("kill -SEGV $$"), "crashed DuckDB (signal 11)"),
                (Sh("echo boom >&2; exit 1"), "failed (exit code 1) when a separate process read it (boom)"),
                (Sh("sleep 30", TimeSpan.FromSeconds(1)), "did not finish in 1 s"),
                (new ProcessStoreChecker(Path.Combine(_dir, "no-such-program"), []), "could not start"),
            }
        )
        {
            var e = Assert.Throws<InputException>(() => checker.Check(store, "store"));
            Assert.StartsWith("store: ", e.Message, StringComparison.Ordinal);
            Assert.Contains(says, e.Message, StringComparison.Ordinal);
            Assert.Contains(store, e.Message, StringComparison.Ordinal);
        }
    }
}
