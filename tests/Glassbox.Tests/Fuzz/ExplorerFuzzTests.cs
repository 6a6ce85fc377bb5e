using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Glassbox.Explorer.Hosting;
using Glassbox.Tests.Explorer;

namespace Glassbox.Tests.Fuzz;

/// <summary>
/// The explorer's JSON inputs under the fuzz harness (issue 16): every POST endpoint of a running explorer gets
/// mutated request bodies (JSON values replaced by other types and sizes, members dropped and duplicated, deep
/// nesting, invalid UTF-8, truncation, raw byte flips). Allowed answers: 200 with the result envelope, or a 4xx whose
/// body is <c>{"error": one line}</c>. A 500, an empty or non-JSON body, a multi-line error or a stack trace fails.
/// </summary>
public sealed class ExplorerFuzzTests
{
    // The bodies the pages send, one per endpoint that takes JSON (the jobs are cancelled as soon as they start).
    private static readonly (string Path, object Body)[] Seeds =
    [
        ("/api/predict", new { text = "the cat sat", topK = 3 }),
        ("/api/lens", new { text = "the cat", topK = 2 }),
        ("/api/attention", new { text = "the cat sat" }),
        ("/api/heads", new { sequences = 2, blockLength = 8 }),
        ("/api/heads/jobs", new { sequences = 2 }),
        (
            "/api/attribute",
            new
            {
                text = "the cat",
                method = "ig",
                steps = 4,
            }
        ),
        (
            "/api/patch",
            new
            {
                clean = "the cat sat",
                corrupted = "the dog sat",
                hook = "resid_post",
            }
        ),
        (
            "/api/trace",
            new
            {
                text = "the cat sat",
                subject = "cat",
                samples = 2,
            }
        ),
    ];

    // The classifier pages' bodies (an explorer over a sequence classifier).
    private static readonly (string Path, object Body)[] ClassifierSeeds =
    [
        ("/api/xmd/view", new { text = "the film was good .", steps = 4 }),
        ("/api/tcav/jobs", Explorer.ExplorerTcavTests.Request("positive")),
        ("/api/xmd/jobs", Explorer.ExplorerXmdTests.Request()),
    ];

    [Fact]
    public async Task Should_answer_fuzzed_request_bodies_with_a_result_or_a_one_line_error()
    {
        await using var host = await ExplorerTestHost.StartAsync();
        Fuzz(host, Seeds);
    }

    [Fact]
    public async Task Should_answer_fuzzed_classifier_request_bodies_with_a_result_or_a_one_line_error()
    {
        await using var host = await ExplorerTestHost.StartClassifierAsync();
        Fuzz(host, ClassifierSeeds);
    }

    private static void Fuzz(ExplorerTestHost host, (string Path, object Body)[] seeds)
    {
        var failures = new List<string>();
        foreach (var (path, body) in seeds)
        {
            var seed = JsonSerializer.SerializeToUtf8Bytes(body);
            // One body file per endpoint: FuzzRunner writes each mutation there and the target posts it.
            string name = "body" + path.Replace('/', '_') + ".json";
            var report = FuzzRunner.Run(
                "explorer " + path,
                host.Dir,
                name,
                [seed],
                (m, s) => m.Json(s),
                file => Post(host, path, file),
                share: 0.2
            );
            failures.AddRange(report.Failures);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("/api/predict", "", "request body: empty; send a JSON object")]
    [InlineData("/api/predict", "{", "request body: not valid JSON at line 1")]
    [InlineData("/api/predict", "[1,2]", "request body: expected a JSON object")]
    [InlineData("/api/predict", "{\"text\": 5}", "request body, field text: expected a string")]
    [InlineData(
        "/api/predict",
        "{\"text\": \"x\", \"topK\": \"many\"}",
        "request body, field topK: expected an integer"
    )]
    // Fuzz findings (minimised inputs), each a 500 before the fix:
    [InlineData("/api/patch", "{\"\":\"\",\"\":\"\",\"hook\":null}", "request body, field hook: must not be null")]
    [InlineData("/api/heads", "{\"\":2,\"blockLength\":2147483647}", "block length 2147483647 makes sequences longer")]
    [InlineData(
        "/api/tcav/jobs",
        "{\"custom\":[{\"\":\"\",\"examples\":[\"\",null,\"\",\"\"]}],\"\":[\"\"]}",
        "request body, field custom[0].examples: expected a string at index 1, got null"
    )]
    [InlineData("/api/tcav/jobs", "{\"custom\":[null]}", "custom[0]: expected an object, got null")]
    public async Task Should_refuse_a_bad_body_with_a_one_line_error_naming_the_field(
        string path,
        string body,
        string expected
    )
    {
        await using var host = await ExplorerTestHost.StartAsync();
        var res = await Send(host, path, Encoding.UTF8.GetBytes(body));
        Assert.True(res.Status == HttpStatusCode.BadRequest, body + " -> " + res.Status + ": " + res.Text);
        string error = ErrorOf(res.Status, res.Text) ?? "";
        Assert.DoesNotContain('\n', error);
        Assert.True(error.StartsWith(expected, StringComparison.Ordinal), error);
    }

    [Theory]
    [InlineData(
        "/api/neurons/top?store=tiny.duckdb&unit=1.5&k=abc",
        "query parameter k: expected a whole number, got 'abc'"
    )]
    [InlineData(
        "/api/neurons/top?store=tiny.duckdb&unit=1.5&k=99999999999",
        "query parameter k: expected a whole number"
    )]
    [InlineData("/api/neurons/top?store=tiny.duckdb&unit=1.5&k=0", "k must be in 1..100, got 0")]
    [InlineData("/api/neurons/top?store=tiny.duckdb&unit=nope", "unit")]
    [InlineData("/api/neurons/top?store=..%2F..%2Fetc%2Fpasswd&unit=1.5", "store")]
    [InlineData("/api/neurons/search?q=dog&k=x", "query parameter k: expected a whole number, got 'x'")]
    public async Task Should_refuse_a_bad_query_parameter_with_a_one_line_error_naming_it(string url, string expected)
    {
        await using var host = await ExplorerTestHost.StartAsync();
        using var res = await host.Client.GetAsync(url);
        string text = await res.Content.ReadAsStringAsync();
        Assert.True(res.StatusCode == HttpStatusCode.BadRequest, url + " -> " + res.StatusCode + ": " + text);
        string error = ErrorOf(res.StatusCode, text) ?? "";
        Assert.DoesNotContain('\n', error);
        Assert.True(error.Contains(expected, StringComparison.Ordinal), error);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
    }

    /// <summary>Posts the body in <paramref name="file"/>: returns on a 200 envelope, throws an
    /// <see cref="InputException"/> naming the file on a one-line 4xx error, and anything else on any other answer.</summary>
    private static void Post(ExplorerTestHost host, string path, string file)
    {
        var (status, text) = Send(host, path, File.ReadAllBytes(file)).GetAwaiter().GetResult();
        if (status == HttpStatusCode.OK)
        {
            using var doc = JsonDocument.Parse(text);
            if (!doc.RootElement.TryGetProperty("result", out _))
                throw new InvalidDataException(path + ": 200 without the result envelope: " + Short(text));
            if (doc.RootElement.TryGetProperty("result", out var r) && r.TryGetProperty("id", out var id))
                Send(host, "/api/jobs/" + id.GetString() + "/cancel", "{}"u8.ToArray()).GetAwaiter().GetResult();
            return;
        }
        if ((int)status is >= 400 and < 500 && ErrorOf(status, text) is { } error)
        {
            if (error.Contains('\n', StringComparison.Ordinal) || error.Contains("   at ", StringComparison.Ordinal))
                throw new InvalidDataException(path + ": multi-line error: " + Short(error));
            throw new InputException(
                file
                    + ": HTTP "
                    + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    + ": "
                    + error
            );
        }
        throw new InvalidDataException(
            path
                + ": HTTP "
                + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)
                + " "
                + Short(text)
        );
    }

    private static string? ErrorOf(HttpStatusCode status, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return
                doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("error", out var e)
                && e.ValueKind == JsonValueKind.String
                ? e.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<(HttpStatusCode Status, string Text)> Send(
        ExplorerTestHost host,
        string path,
        byte[] body
    )
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        req.Headers.Add(RequestGuard.Header, "1");
        using var res = await host.Client.SendAsync(req).ConfigureAwait(false);
        return (res.StatusCode, await res.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    private static string Short(string s) => s.Length > 200 ? s[..200] + "..." : s;
}
