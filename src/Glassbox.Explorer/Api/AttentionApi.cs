using System.Globalization;
using Glassbox.Circuits.Detectors;
using Glassbox.Explorer.Hosting;
using Glassbox.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Api;

/// <summary>The attention viewer's endpoints: <c>POST /api/attention</c> (every head's pattern on a prompt) and
/// <c>POST /api/heads</c> (previous-token, duplicate-token, induction and first-token detector scores with the
/// uniform-attention control, the <c>heads</c> envelope).</summary>
public static class AttentionApi
{
    /// <summary>Body of <c>/api/attention</c>.</summary>
    /// <param name="Text">The prompt.</param>
    public sealed record AttentionRequest(string? Text);

    /// <summary>Body of <c>/api/heads</c>.</summary>
    /// <param name="Sequences">Seeded random sequences (1..64).</param>
    /// <param name="BlockLength">Repeated block length; null fits min(20, (context − 1) / 2).</param>
    /// <param name="Seed">Seed of the sequences.</param>
    public sealed record HeadsRequest(int Sequences = 16, int? BlockLength = null, int Seed = 0);

    /// <summary>Attention patterns of one prompt.</summary>
    /// <param name="Tokens">The prompt's tokens.</param>
    /// <param name="Layers">Layers.</param>
    /// <param name="Heads">Heads per layer.</param>
    /// <param name="Patterns">[layer][head][query][key] attention weights, rounded to 4 decimals.</param>
    public sealed record AttentionResult(
        IReadOnlyList<Prompt.Token> Tokens,
        int Layers,
        int Heads,
        IReadOnlyList<IReadOnlyList<float[][]>> Patterns
    );

    /// <summary>Maps the group.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        app.MapPost("/api/attention", async (AttentionRequest r, HttpContext http) =>
        {
            var result = await cx.Host.RunAsync(
                m =>
                {
                    var ids = Prompt.Ids(m, r.Text);
                    return Attention(Prompt.Tokens(m, ids), AttentionView.Patterns(m, ids));
                },
                http.RequestAborted
            );
            return ExplorerContext.Envelope(
                "attention",
                cx.ModelName,
                result,
                RunManifest.For("attention", cx.Host.Model)
            );
        });
        app.MapPost("/api/heads", async (HeadsRequest r, HttpContext http) =>
        {
            var o = HeadOptions(cx, r);
            var result = await cx.Host.RunAsync(m => HeadDetectors.Run(m, o), http.RequestAborted);
            return ExplorerContext.Envelope("heads", cx.ModelName, result, HeadManifest(cx, r, o));
        });
        // The same scores as a background job: progress over server-sent events, cancellable while it waits.
        app.MapPost("/api/heads/jobs", (HeadsRequest r) =>
        {
            var o = HeadOptions(cx, r);
            var job = cx.Jobs.Start("heads", (m, j) =>
            {
                j.Report(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"scoring {m.Config.NLayers * m.Config.NHeads} heads on {o.Sequences} random sequences"
                    )
                );
                j.Token.ThrowIfCancellationRequested();
                var result = HeadDetectors.Run(m, o);
                j.Report("scored");
                return ResultJson.Serialize(ResultEnvelope.Create("heads", m.Name, result, HeadManifest(cx, r, o)));
            });
            return ExplorerContext.Envelope("job", cx.ModelName, job.Info());
        });
    }

    private static HeadDetectorOptions HeadOptions(ExplorerContext cx, HeadsRequest r)
    {
        if (r.Sequences is < 1 or > 64)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"sequences must be in 1..64, got {r.Sequences}")
            );
        var c = cx.Host.Model.Config;
        return new HeadDetectorOptions
        {
            Sequences = r.Sequences,
            BlockLength = r.BlockLength ?? Math.Max(2, Math.Min(20, (c.NCtx - 1) / 2)),
            Seed = r.Seed,
        };
    }

    private static RunManifest HeadManifest(ExplorerContext cx, HeadsRequest r, HeadDetectorOptions o) =>
        RunManifest.For(
            "heads",
            cx.Host.Model,
            r.Seed,
            new Dictionary<string, string>
            {
                ["sequences"] = o.Sequences.ToString(CultureInfo.InvariantCulture),
                ["blockLength"] = o.BlockLength.ToString(CultureInfo.InvariantCulture),
            }
        );

    private static AttentionResult Attention(IReadOnlyList<Prompt.Token> tokens, float[][][,] patterns)
    {
        var rows = patterns
            .Select(layer =>
                (IReadOnlyList<float[][]>)
                    layer
                        .Select(head =>
                            Enumerable
                                .Range(0, head.GetLength(0))
                                .Select(q =>
                                    Enumerable
                                        .Range(0, head.GetLength(1))
                                        .Select(k => MathF.Round(head[q, k], 4))
                                        .ToArray()
                                )
                                .ToArray()
                        )
                        .ToList()
            )
            .ToList();
        return new AttentionResult(tokens, patterns.Length, patterns.Length == 0 ? 0 : patterns[0].Length, rows);
    }
}
