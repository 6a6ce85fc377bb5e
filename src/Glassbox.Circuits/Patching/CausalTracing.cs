using System.Globalization;
using System.Text.Json.Serialization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Patching;

/// <summary>Which states causal tracing restores.</summary>
public enum TraceKind
{
    /// <summary>The residual stream after each block (<c>hook_resid_post</c>), one layer at a time.</summary>
    Hidden,

    /// <summary>MLP outputs (<c>hook_mlp_out</c>) over a window of layers centred at each layer.</summary>
    Mlp,

    /// <summary>Attention outputs (<c>hook_attn_out</c>) over a window of layers centred at each layer.</summary>
    Attn,
}

/// <summary>Options of causal tracing (defaults follow Meng et al., 2022).</summary>
public sealed record TraceOptions
{
    /// <summary>States to restore.</summary>
    public TraceKind Kind { get; init; } = TraceKind.Hidden;

    /// <summary>Noise standard deviation as a multiple of the token-embedding standard deviation (ROME: 3).</summary>
    public double NoiseMultiplier { get; init; } = 3.0;

    /// <summary>Noise samples per prompt (ROME: 10).</summary>
    public int Samples { get; init; } = 10;

    /// <summary>Seed of the noise; prompt i uses seed + i.</summary>
    public int Seed { get; init; }

    /// <summary>Window of layers restored together for <see cref="TraceKind.Mlp"/> and <see cref="TraceKind.Attn"/>:
    /// layers max(0, l - w/2) .. min(L, l + ceil(w/2)) - 1, as in ROME (default 10).</summary>
    public int Window { get; init; } = 10;

    /// <summary>Batch rows per forward (restorations × samples).</summary>
    public int ChunkRows { get; init; } = 256;

    /// <summary>Per-prompt maps kept in the summary (the rest are only averaged).</summary>
    public int KeepPrompts { get; init; } = 3;

    /// <summary>Progress callback (prompts done, total).</summary>
    [JsonIgnore]
    public Action<int, int>? Progress { get; init; }
}

/// <summary>
/// Causal tracing (Meng et al., 2022, "Locating and Editing Factual Associations in GPT"): corrupt the subject
/// tokens' embeddings with Gaussian noise, then restore single clean states at each layer × position and measure
/// the indirect effect p(answer | corrupted + restored) − p(answer | corrupted). Restorations × noise samples share
/// forwards (the corrupted prompt is replicated along the batch dimension).
/// </summary>
public static class CausalTracing
{
    /// <summary>Standard deviation of the token embedding matrix (all entries).</summary>
    public static double EmbeddingStd(HookedTransformer model)
    {
        using var scope = NewDisposeScope();
        return model.Weights["embed.W_E"].to_type(ScalarType.Float32).std().item<float>();
    }

    /// <summary>The layers restored together for a state at <paramref name="layer"/>.</summary>
    public static IReadOnlyList<int> WindowLayers(TraceKind kind, int layer, int window, int nLayers)
    {
        if (kind == TraceKind.Hidden || window <= 1)
            return new[] { layer };
        int lo = Math.Max(0, layer - window / 2),
            hi = Math.Min(nLayers, layer + (window + 1) / 2);
        return Enumerable.Range(lo, hi - lo).ToArray();
    }

    private static string HookOf(TraceKind kind, int layer) =>
        kind switch
        {
            TraceKind.Hidden => HookName.ResidPost(layer),
            TraceKind.Mlp => HookName.MlpOut(layer),
            _ => HookName.AttnOut(layer),
        };

    /// <summary>Traces one prompt.</summary>
    /// <param name="model">A causal language model.</param>
    /// <param name="prompt">Prompt, subject range and answer.</param>
    /// <param name="options">Options.</param>
    /// <param name="index">Index of the prompt in its set (offsets the seed).</param>
    /// <exception cref="InputException">Bad options or the model lacks the traced hook.</exception>
    public static TraceResult Trace(
        HookedTransformer model,
        TracePrompt prompt,
        TraceOptions? options = null,
        int index = 0
    ) => Trace(model, prompt, options ?? new TraceOptions(), index, EmbeddingStd(model));

    /// <summary>One prompt with the embedding std already known (it is a property of the model, computed once per prompt set).</summary>
    private static TraceResult Trace(
        HookedTransformer model,
        TracePrompt prompt,
        TraceOptions o,
        int index,
        double embeddingStd
    )
    {
        Check(model, o);
        var c = model.Config;
        int T = prompt.Ids.Count,
            L = c.NLayers,
            S = prompt.SubjectEnd - prompt.SubjectStart,
            k = o.Samples;
        if (prompt.SubjectEnd > T || prompt.SubjectStart < 0 || S <= 0)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"subject range {prompt.SubjectStart}..{prompt.SubjectEnd} is outside the prompt (0..{T})"
                )
            );
        if (prompt.Answer < 0 || prompt.Answer >= c.DVocab)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"answer token {prompt.Answer} is outside the vocabulary")
            );
        double sigma = o.NoiseMultiplier * embeddingStd;
        var hooks = Enumerable.Range(0, L).Select(l => HookOf(o.Kind, l)).ToHashSet(StringComparer.Ordinal);
        using var clean = ActivationPatcher.Record(
            model,
            prompt.Ids,
            hooks,
            PatchMetric.Probability(prompt.Answer),
            out float pClean
        );
        Tensor noise; // [k, subj, d_model]
        using (var g = new Generator((ulong)(o.Seed + index)))
        using (NewDisposeScope())
            noise = ScalarMath
                .Normal(new long[] { k, S, c.DModel }, sigma, g)
                .to(model.Device)
                .DetachFromDisposeScope();
        using var noiseOwner = noise;

        // Configs: -1 = no restoration (the corrupted baseline), then every (layer, position).
        var configs = new List<(int Layer, int Pos)> { (-1, -1) };
        for (int l = 0; l < L; l++)
        for (int p = 0; p < T; p++)
            configs.Add((l, p));
        var probs = new float[configs.Count];
        int perChunk = Math.Max(1, o.ChunkRows / k);
        for (int start = 0; start < configs.Count; start += perChunk)
        {
            int n = Math.Min(perChunk, configs.Count - start);
            var chunk = configs.GetRange(start, n);
            var p = RunChunk(model, prompt, clean, noise, chunk, o);
            Array.Copy(p, 0, probs, start, n);
        }
        float pCorrupt = probs[0];
        var restored = Enumerable.Range(0, L).Select(l => probs.AsSpan(1 + l * T, T).ToArray()).ToArray(); // [layer][position]
        return new TraceResult
        {
            Text = prompt.Text,
            Tokens = prompt
                .Ids.Select(id => model.Tokenizer?.TokenToString(id) ?? id.ToString(CultureInfo.InvariantCulture))
                .ToList(),
            SubjectStart = prompt.SubjectStart,
            SubjectEnd = prompt.SubjectEnd,
            Answer = prompt.Answer,
            AnswerText = model.Tokenizer?.TokenToString(prompt.Answer)
                ?? prompt.Answer.ToString(CultureInfo.InvariantCulture),
            Kind = o.Kind,
            PClean = pClean,
            PCorrupted = pCorrupt,
            PRestored = restored,
        };
    }

    /// <summary>Mean p(answer) over the noise samples for each config of the chunk.</summary>
    private static float[] RunChunk(
        HookedTransformer model,
        TracePrompt prompt,
        ActivationCache clean,
        Tensor noise,
        IReadOnlyList<(int Layer, int Pos)> chunk,
        TraceOptions o
    )
    {
        int k = o.Samples,
            n = chunk.Count,
            rows = n * k,
            T = prompt.Ids.Count,
            L = model.Config.NLayers;
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(Enumerable.Repeat(prompt.Ids, rows).ToList(), device: model.Device);
        var rowNoise = noise.repeat(n, 1, 1); // [rows, subj, d_model]
        var hooks = new List<Hook> { new(HookName.Embed, (x, _) =>
            {
                var y = x.clone();
                y.narrow(1, prompt.SubjectStart, prompt.SubjectEnd - prompt.SubjectStart).PlusInPlace(rowNoise);
                return y;
            }) };
        for (int l = 0; l < L; l++)
        {
            var mask = new bool[rows * T];
            bool any = false;
            for (int ci = 0; ci < n; ci++)
            {
                var (cl, cp) = chunk[ci];
                if (cl < 0 || !WindowLayers(o.Kind, cl, o.Window, L).Contains(l))
                    continue;
                for (int r = 0; r < k; r++)
                    mask[(ci * k + r) * T + cp] = true;
                any = true;
            }
            if (!any)
                continue;
            var m = tensor(mask, device: model.Device).view(rows, T, 1); // [rows, pos, 1]
            string name = HookOf(o.Kind, l);
            var src = clean[name]; // [1, pos, d_model]
            hooks.Add(new Hook(name, (x, _) => where(m, src.to_type(x.dtype), x)));
        }
        var logits = model.Run(batch, hooks, null).Output; // [rows, pos, vocab]
        var p = logits.select(1, -1).to_type(ScalarType.Float32).softmax(-1).select(1, prompt.Answer); // [rows]
        var mean = p.view(n, k).mean(new long[] { 1 }); // [n]
        return mean.cpu().data<float>().ToArray();
    }

    private static void Check(HookedTransformer model, TraceOptions o)
    {
        if (!model.Config.Causal || !model.Config.HasUnembed)
            throw new InputException($"causal tracing needs a causal language model; {model.Name} is not one");
        if (o.Samples < 1)
            throw new InputException("--samples must be at least 1");
        if (o.NoiseMultiplier < 0 || !double.IsFinite(o.NoiseMultiplier))
            throw new InputException("--noise must be a finite number >= 0");
        if (o.Window < 1)
            throw new InputException("--window must be at least 1");
        if (o.ChunkRows < 1)
            throw new InputException("chunk rows must be at least 1");
        if (o.Kind == TraceKind.Mlp && !model.Config.HasMlp)
            throw new InputException($"{model.Name} has no MLP; use --kind hidden or attn");
    }

    /// <summary>Traces a prompt set and averages the indirect effects by token category (ROME's figure rows),
    /// streaming: only <see cref="TraceOptions.KeepPrompts"/> per-prompt maps are kept.</summary>
    public static TraceSummary TraceAll(
        HookedTransformer model,
        IEnumerable<TracePrompt> prompts,
        TraceOptions? options = null
    )
    {
        var o = options ?? new TraceOptions();
        var list = prompts as IReadOnlyList<TracePrompt> ?? prompts.ToList();
        var acc = new TraceAccumulator(model.Config.NLayers, o.KeepPrompts);
        double std = EmbeddingStd(model);
        for (int i = 0; i < list.Count; i++)
        {
            acc.Add(Trace(model, list[i], o, i, std));
            o.Progress?.Invoke(i + 1, list.Count);
        }
        return acc.Summary(o);
    }
}
