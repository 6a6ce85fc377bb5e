using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Explanations;

/// <summary>How <see cref="ExcerptCollector"/> cuts and samples excerpts.</summary>
/// <param name="MaxTexts">Corpus texts scanned.</param>
/// <param name="Window">Tokens per excerpt (texts are cut into consecutive windows of this length).</param>
/// <param name="TopPerSplit">Top-activating excerpts per split (train and held-out each get this many).</param>
/// <param name="RandomPerSplit">Random excerpts per split.</param>
/// <param name="Seed">Seed of the random-excerpt reservoir.</param>
/// <param name="BatchSize">Texts per forward pass.</param>
public sealed record ExcerptOptions(
    int MaxTexts = 400,
    int Window = 32,
    int TopPerSplit = 10,
    int RandomPerSplit = 10,
    int Seed = 0,
    int BatchSize = 1
)
{
    /// <summary>Throws on a value out of range, naming the option.</summary>
    /// <exception cref="InputException">A count below its minimum.</exception>
    public void Validate()
    {
        void Min(int v, int min, string name)
        {
            if (v < min)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"{name} must be at least {min}, got {v}")
                );
        }
        Min(MaxTexts, 1, "--max-texts");
        Min(Window, 4, "--window");
        Min(TopPerSplit, 1, "--top");
        Min(RandomPerSplit, 1, "--random-excerpts");
        Min(BatchSize, 1, "batch size");
    }
}

/// <summary>
/// Collects excerpts for many units in one pass over a corpus: each text (BOS dropped from the windows, truncated to
/// the context) is cut into consecutive windows; per unit the windows with the largest maximum activation are kept
/// (alternately to train and held-out, so both splits cover the same range), and one seeded reservoir of random
/// windows is shared by all units (first half train, second half held-out). The corpus's n-gram counts come along
/// as the offline explainer's background. Memory is bounded by the kept windows, never all activations.
/// </summary>
public static class ExcerptCollector
{
    private sealed record Window(int Text, int Start, string[] Tokens, float[][] Acts);

    /// <summary>Runs <paramref name="model"/> over <paramref name="texts"/> and returns every unit's excerpts.</summary>
    /// <param name="model">A model with a tokenizer.</param>
    /// <param name="texts">Corpus texts (read lazily, at most <see cref="ExcerptOptions.MaxTexts"/>).</param>
    /// <param name="units">Units of the model (not SAE features: those come from the activation store).</param>
    /// <param name="options">Window and sample sizes.</param>
    /// <param name="progress">Called with the number of texts scanned.</param>
    /// <param name="features">Per hook, a map from its activations [batch, pos, d_in] to feature activations
    /// [batch, pos, d_features] (e.g. an SAE's encoder); SAE units (<see cref="UnitRef.Sae"/>) index those features.</param>
    /// <exception cref="InputException">No tokenizer, an SAE unit without its features map, a hook mixing SAE and model
    /// units, a hook without a unit axis, or no text.</exception>
    public static ExcerptSet Collect(
        HookedTransformer model,
        IEnumerable<string> texts,
        IReadOnlyList<UnitRef> units,
        ExcerptOptions? options = null,
        Action<int>? progress = null,
        IReadOnlyDictionary<string, Func<Tensor, Tensor>>? features = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(units);
        var o = options ?? new ExcerptOptions();
        o.Validate();
        var tok = model.Tokenizer
            ?? throw new InputException($"{model.Name} has no tokenizer; excerpts need a text corpus");
        units = units.Distinct().ToList();
        if (units.Count == 0)
            throw new InputException("no units to collect excerpts for");
        if (units.FirstOrDefault(u => u.Sae && features?.ContainsKey(u.Hook) != true) is { } sae)
            throw new InputException($"unit {sae}: SAE features need the SAE (its encoder maps the hook to features)");
        if (units.GroupBy(u => u.Hook).FirstOrDefault(g => g.Any(u => u.Sae) && g.Any(u => !u.Sae)) is { } mixed)
            throw new InputException($"{mixed.Key}: score SAE features and the hook's own units in separate runs");
        var hooks = units.Select(u => u.Hook).Distinct(StringComparer.Ordinal).ToList();
        var columns = hooks.ToDictionary(h => h, h => units.Where(u => u.Hook == h).Select(u => u.Index).ToArray());
        var slot = new Dictionary<UnitRef, (string Hook, int Column)>();
        foreach (var h in hooks)
            for (int i = 0; i < columns[h].Length; i++)
                slot[units.First(u => u.Hook == h && u.Index == columns[h][i])] = (h, i);
        int? stop = hooks.All(h => HookName.LayerOf(h) is not null)
            ? hooks.Max(h => HookName.LayerOf(h)!.Value) + 1
            : null;

        int keep = 2 * o.TopPerSplit,
            reservoir = 2 * o.RandomPerSplit;
        var top = units.ToDictionary(u => u, _ => new PriorityQueue<(float[] Acts, Window W), float>());
        var random = new List<Window>();
        var rng = new Random(o.Seed);
        long seen = 0;
        var background = new NgramCounts();
        int done = 0;
        foreach (var chunk in texts.Take(o.MaxTexts).Chunk(o.BatchSize))
        {
            var seqs = chunk
                .Select(t => (IReadOnlyList<int>)tok.Encode(t).Ids.Take(model.Config.NCtx).ToList())
                .Where(s => s.Count > 0)
                .ToList();
            var acts = seqs.Count == 0 ? null : Run(model, seqs, hooks, columns, stop, tok.PadId ?? 0, features);
            for (int b = 0; b < seqs.Count; b++)
            {
                var ids = seqs[b];
                int first = tok.BosId is int bos && ids[0] == bos ? 1 : 0;
                for (int s = first; s < ids.Count; s += o.Window)
                {
                    int len = Math.Min(o.Window, ids.Count - s);
                    if (len < Math.Min(4, o.Window))
                        continue;
                    var tokens = ids.Skip(s).Take(len).Select(tok.TokenToString).ToArray();
                    background.Add(tokens);
                    var w = new Window(done + b, s, tokens, new float[units.Count][]);
                    for (int u = 0; u < units.Count; u++)
                    {
                        var (hook, col) = slot[units[u]];
                        var a = new float[len];
                        for (int i = 0; i < len; i++)
                            a[i] = acts![hook][b][s + i][col];
                        w.Acts[u] = a;
                        float max = a.Max();
                        var q = top[units[u]];
                        if (q.Count < keep)
                            q.Enqueue((a, w with { Acts = [] }), max);
                        else if (q.TryPeek(out _, out float min) && max > min)
                            q.EnqueueDequeue((a, w with { Acts = [] }), max);
                    }
                    seen++;
                    if (random.Count < reservoir)
                        random.Add(w);
                    else if (rng.NextInt64(seen) is var j && j < reservoir)
                        random[(int)j] = w;
                }
            }
            done += chunk.Length;
            progress?.Invoke(done);
        }
        if (seen == 0)
            throw new InputException("the corpus has no text to cut into excerpts");
        var result = new Dictionary<UnitRef, UnitExcerpts>();
        for (int u = 0; u < units.Count; u++)
        {
            var q = top[units[u]];
            var best = new List<ActivationExcerpt>();
            while (q.TryDequeue(out var e, out _))
                best.Add(Excerpt(e.W, e.Acts));
            best.Reverse();
            int uu = u;
            var rand = random.Select(w => Excerpt(w, w.Acts[uu])).ToList();
            int half = rand.Count / 2;
            result[units[u]] = new UnitExcerpts(
                units[u],
                best.Where((_, i) => i % 2 == 0).ToList(),
                rand.Take(half).ToList(),
                best.Where((_, i) => i % 2 == 1).ToList(),
                rand.Skip(half).ToList(),
                background
            );
        }
        return new ExcerptSet(result);
    }

    private static ActivationExcerpt Excerpt(Window w, float[] acts) => new(w.Tokens, acts, w.Text, w.Start);

    /// <summary>Activations of the chosen columns: hook → sequence → position → column.</summary>
    private static Dictionary<string, float[][][]> Run(
        HookedTransformer model,
        List<IReadOnlyList<int>> seqs,
        List<string> hooks,
        Dictionary<string, int[]> columns,
        int? stop,
        int padId,
        IReadOnlyDictionary<string, Func<Tensor, Tensor>>? features
    )
    {
        var result = new Dictionary<string, float[][][]>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(seqs, padId, device: model.Device);
        var wanted = hooks.ToHashSet(StringComparer.Ordinal);
        using var run = model.Run(batch, Array.Empty<Hook>(), wanted.Contains, new RunOptions { StopAtLayer = stop });
        foreach (var h in hooks)
        {
            var t = run.Cache[h]; // [batch, pos, units]
            if (features is not null && features.TryGetValue(h, out var encode))
                t = encode(t.to(float32)); // [batch, pos, d_features]
            if (t.dim() != 3)
                throw new InputException($"hook {h} has no single unit axis; units need a [batch, pos, units] hook");
            var idx = tensor(columns[h].Select(i => (long)i).ToArray(), device: t.device);
            var sel = t.index_select(2, idx).to(float32).cpu().contiguous(); // [batch, pos, k]
            var flat = sel.data<float>().ToArray();
            int p = (int)sel.shape[1],
                k = columns[h].Length;
            var perSeq = new float[seqs.Count][][];
            for (int b = 0; b < seqs.Count; b++)
            {
                perSeq[b] = new float[seqs[b].Count][];
                for (int i = 0; i < seqs[b].Count; i++)
                    perSeq[b][i] = flat.AsSpan((b * p + i) * k, k).ToArray();
            }
            result[h] = perSeq;
        }
        return result;
    }
}
