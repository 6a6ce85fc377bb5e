using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Glassbox.Explorer;
using Glassbox.Explorer.Hosting;
using Glassbox.Loading;
using Microsoft.Playwright;

namespace Glassbox.Benchmarks;

/// <summary>Explorer speed (issue 13) on stories260K: latency of the attention, lens and predict endpoints for a
/// 64-token prompt (in-process server, HttpClient on loopback, after warm-up), and each page's first contentful paint
/// in headless Chromium (Debian's /usr/bin/chromium driven by Playwright, a fresh page per load).
/// <c>explorer [rounds] [threads]</c>.</summary>
public static class ExplorerBench
{
    public static void Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task RunAsync(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        GlassboxRuntime.Initialize(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : null);
        if (SharedData.File("stories260K", "stories260K.bin") is null)
        {
            Console.WriteLine("../shared/data/stories260K is absent: nothing to measure");
            return;
        }
        var model = ModelLoader.Load("stories260k");
        string prompt = Prompt64(model);
        await using var server = ExplorerServer.Create(new ExplorerOptions { Port = 0 }, model);
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address };
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"stories260K, prompt of {model.Tokenizer!.Encode(prompt, true).Ids.Count} tokens, {rounds} rounds"
            )
        );
        foreach (var path in new[] { "/api/attention", "/api/lens", "/api/predict" })
        {
            var ms = new List<double>();
            long bytes = 0;
            for (int i = 0; i < rounds + 3; i++)
            {
                using var req = new HttpRequestMessage(HttpMethod.Post, path)
                {
                    Content = new StringContent(
                        JsonSerializer.Serialize(new { text = prompt }),
                        Encoding.UTF8,
                        "application/json"
                    ),
                };
                req.Headers.Add(RequestGuard.Header, "1");
                var sw = Stopwatch.StartNew();
                using var res = await http.SendAsync(req);
                var body = await res.Content.ReadAsByteArrayAsync();
                sw.Stop();
                res.EnsureSuccessStatusCode();
                bytes = body.Length;
                if (i >= 3)
                    ms.Add(sw.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine(Line(path, ms, string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F0} KiB")));
        }
        if (!File.Exists("/usr/bin/chromium"))
        {
            Console.WriteLine("/usr/bin/chromium is absent: no first-paint numbers");
            return;
        }
        using var pw = await Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox"] }
        );
        foreach (var page in new[] { "/", "/playground", "/attention", "/neurons", "/probing" })
        {
            var fcp = new List<double>();
            for (int i = 0; i < Math.Min(rounds, 10) + 1; i++)
            {
                var p = await browser.NewPageAsync();
                await p.GotoAsync(new Uri(server.Address, page).ToString());
                var v = await p.EvaluateAsync<double>(
                    "() => new Promise(r => { const f = () => { const e = performance.getEntriesByName('first-contentful-paint'); if (e.length) r(e[0].startTime); else requestAnimationFrame(f); }; f(); })"
                );
                if (i > 0)
                    fcp.Add(v);
                await p.CloseAsync();
            }
            Console.WriteLine(Line("first paint " + page, fcp, ""));
        }
        // The playground opened with ?text=: from navigation until the lens grid is drawn (both analyses done).
        var full = new List<double>();
        for (int i = 0; i < Math.Min(rounds, 10) + 1; i++)
        {
            var p = await browser.NewPageAsync();
            var sw = Stopwatch.StartNew();
            await p.GotoAsync(new Uri(server.Address, "/playground?text=" + Uri.EscapeDataString(prompt)).ToString());
            await p.WaitForSelectorAsync("#lens table.grid");
            sw.Stop();
            if (i > 0)
                full.Add(sw.Elapsed.TotalMilliseconds);
            await p.CloseAsync();
        }
        Console.WriteLine(Line("playground 64 tokens, navigation to lens drawn", full, ""));
    }

    private static string Prompt64(Glassbox.Models.HookedTransformer model)
    {
        var words = (
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun with her dog. "
            + "One day, Lily saw a big red ball in the park. She ran to the ball and kicked it very high. The dog barked "
            + "and ran after the ball. Lily laughed and clapped her hands. They played all day until the sun went down."
        ).Split(' ');
        var sb = new StringBuilder();
        foreach (var w in words)
        {
            string next = sb.Length == 0 ? w : sb + " " + w;
            if (model.Tokenizer!.Encode(next, true).Ids.Count > 64)
                break;
            sb.Clear().Append(next);
        }
        return sb.ToString();
    }

    private static string Line(string what, List<double> ms, string note)
    {
        ms.Sort();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{what, -48} median {ms[ms.Count / 2], 7:F1} ms  min {ms[0], 7:F1}  max {ms[^1], 7:F1}  {note}"
        );
    }
}
