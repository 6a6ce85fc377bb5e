using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Glassbox.Explorer;
using Glassbox.Explorer.Hosting;
using Glassbox.Loading;
using Glassbox.Neurons.Store;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Explorer;

/// <summary>An explorer on a free loopback port over a tiny byte-level GPT-2 (any text tokenizes), with a tiny
/// activation store harvested in the test's folder; plus an HttpClient that talks to it.</summary>
internal sealed class ExplorerTestHost : IAsyncDisposable
{
    private ExplorerTestHost(ExplorerServer server, string dir)
    {
        Server = server;
        Dir = dir;
        Client = new HttpClient { BaseAddress = server.Address };
    }

    public ExplorerServer Server { get; }

    public HttpClient Client { get; }

    /// <summary>The folder with the model, the corpus and the store folder.</summary>
    public string Dir { get; }

    /// <summary>The store folder served (<c>--store</c>).</summary>
    public string Stores => Path.Combine(Dir, "stores");

    /// <summary>A tiny byte-level GPT-2 (257 tokens, context 96) saved under <paramref name="dir"/>.</summary>
    public static string TinyLm(string dir)
    {
        var m = Path.Combine(dir, "lm");
        if (File.Exists(Path.Combine(m, "config.json")))
            return m;
        Directory.CreateDirectory(m);
        var config = TinyModels.Gpt2 with { DVocab = 257, NCtx = 96 };
        HfExporter.Export(config, TinyModels.RandomWeights(config, 5), m);
        var bytes = ByteLevelBpeTokenizer.ByteToUnicode();
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => bytes[b].ToString(), b => b);
        vocab["<|endoftext|>"] = 256;
        new ByteLevelBpeTokenizer(vocab, Array.Empty<(string, string)>()).Save(m);
        return m;
    }

    /// <summary>Starts an explorer over the tiny model with a harvested store <c>tiny.duckdb</c>.</summary>
    public static async Task<ExplorerTestHost> StartAsync(
        string? token = null,
        Glassbox.Neurons.Store.IStoreChecker? checker = null
    )
    {
        var dir = Directory.CreateTempSubdirectory("glassbox-explorer-").FullName;
        var lm = TinyLm(dir);
        var stores = Path.Combine(dir, "stores");
        Directory.CreateDirectory(stores);
        var corpus = Path.Combine(dir, "corpus.txt");
        File.WriteAllText(
            corpus,
            "Lily went to the park.\n<|endoftext|>\nTom had a dog.\n<|endoftext|>\nOnce upon a time.\n"
        );
        var model = ModelLoader.Load(lm);
        ActivationStore.Harvest(Path.Combine(stores, "tiny.duckdb"), model, corpus);
        // A scoring record beside the store, for the search by explanation, and a JSON file that is not one.
        var record = Glassbox.Neurons.Explanations.ScoreResultsFile.Open(Path.Combine(stores, "scores.json"), "test");
        foreach (
            var (unit, text, score) in new[]
            {
                ("1.5", "dogs and parks", 0.6),
                ("0.3", "the word dog", 0.8),
                ("1.2", "capital letters", 0.4),
            }
        )
            record.SetScore(
                new Glassbox.Neurons.Explanations.UnitScore(
                    unit,
                    text,
                    new Glassbox.Statistics.Interval(score, score - 0.1, score + 0.1),
                    [],
                    null,
                    40,
                    0
                )
            );
        File.WriteAllText(Path.Combine(stores, "other.json"), "{\"not\": \"a record\"}");
        var server = ExplorerServer.Create(
            new ExplorerOptions
            {
                Port = 0,
                Store = stores,
                Token = token,
                StoreChecker = checker,
            },
            model
        );
        await server.StartAsync();
        return new ExplorerTestHost(server, dir);
    }

    /// <summary>Starts an explorer over a tiny random sequence classifier (<see cref="TinyClassifiers"/>, labels
    /// negative/positive), optionally with an output folder (<c>serve --out</c>) under the test's folder.</summary>
    public static async Task<ExplorerTestHost> StartClassifierAsync(bool withOut = false)
    {
        var dir = Directory.CreateTempSubdirectory("glassbox-explorer-clf-").FullName;
        var classifier = TinyClassifiers.Create();
        var server = ExplorerServer.Create(
            new ExplorerOptions { Port = 0, Out = withOut ? Path.Combine(dir, "out") : null },
            classifier
        );
        await server.StartAsync();
        return new ExplorerTestHost(server, dir);
    }

    /// <summary>A POST as the pages send it (JSON body, X-Glassbox header).</summary>
    public Task<HttpResponseMessage> PostAsync(string path, object body, Action<HttpRequestMessage>? edit = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        req.Headers.Add(RequestGuard.Header, "1");
        edit?.Invoke(req);
        return Client.SendAsync(req);
    }

    /// <summary>The response's JSON, asserting its status.</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage res, int status = 200)
    {
        string text = await res.Content.ReadAsStringAsync();
        Assert.True((int)res.StatusCode == status, "HTTP " + res.StatusCode + ": " + text);
        Assert.StartsWith(
            "application/json",
            res.Content.Headers.ContentType?.MediaType ?? "",
            StringComparison.Ordinal
        );
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Polls a job until it finishes; returns its last info.</summary>
    public async Task<JsonElement> WaitForJobAsync(string id, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var info = (await JsonAsync(await Client.GetAsync("/api/jobs/" + id))).GetProperty("result");
            string state = info.GetProperty("state").GetString()!;
            if (state is "done" or "failed" or "cancelled")
                return info;
            Assert.True(DateTime.UtcNow < until, "job " + id + " still " + state);
            await Task.Delay(50);
        }
    }

    public static void Bearer(HttpRequestMessage req, string token) =>
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException) { }
    }
}
