using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Decode;

/// <summary>Generation through <see cref="NativeDecoder"/>: every prompt decoded on its own (no padding at all), rows
/// stepped in parallel on the configured number of threads, with the same stopping rules and samplers as the libtorch
/// loop of <see cref="TextGenerator.GenerateBatch"/>, so both give the same tokens.</summary>
internal static class NativeGeneration
{
    public static IReadOnlyList<IReadOnlyList<int>> Run(
        HookedTransformer model,
        IReadOnlyList<IReadOnlyList<int>> prompts,
        GenerationOptions o,
        int longest
    )
    {
        var weights = DecoderWeights.From(model);
        int rows = prompts.Count;
        int steps = Math.Max(0, Math.Min(o.MaxNewTokens, model.Config.NCtx - longest));
        var decoders = prompts.Select(p => new NativeDecoder(weights, p.Count + steps)).ToArray();
        var ids = prompts.Select(p => p.ToList()).ToArray();
        var rngs = prompts.Select(_ => new System.Random(unchecked((int)o.Seed))).ToArray();
        var done = new bool[rows];
        var last = new float[rows][]; // [row][d_vocab]
        int? stop = o.StopToken ?? model.Config.EosTokenId;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, torch.get_num_threads()) };
        void ForRows(Action<int> a)
        {
            if (rows == 1)
                a(0);
            else
                Parallel.For(0, rows, parallel, a);
        }
        ForRows(r =>
        {
            foreach (int t in prompts[r])
                last[r] = decoders[r].Step(t);
            Check(model, last[r]);
        });
        var next = new int[rows];
        for (int step = 0; step < steps; step++)
        {
            for (int r = 0; r < rows; r++)
            {
                if (done[r])
                    continue;
                int t = o.Temperature <= 0 ? ArgMax(last[r]) : SampleRow(last[r], o, rngs[r]);
                ids[r].Add(t);
                next[r] = t;
                done[r] = stop == t;
            }
            o.Progress?.Invoke(step + 1, o.MaxNewTokens);
            if (done.All(d => d) || step + 1 == steps)
                break;
            ForRows(r =>
            {
                if (done[r])
                    return;
                last[r] = decoders[r].Step(next[r]);
                Check(model, last[r]);
            });
        }
        return ids;
    }

    /// <summary>Index of the first largest logit (as libtorch's argmax).</summary>
    private static int ArgMax(float[] logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best])
                best = i;
        return best;
    }

    private static int SampleRow(float[] logits, GenerationOptions o, System.Random rng)
    {
        using var scope = NewDisposeScope();
        return TextGenerator.Sample(tensor(logits), o, rng);
    }

    private static void Check(HookedTransformer model, float[] logits)
    {
        int bad = logits.Count(v => !float.IsFinite(v));
        if (bad > 0)
            throw new NonFiniteOutputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{model.Name}: the forward pass produced {bad} NaN/infinite output values (first at the output); the weights overflow on this input"
                )
            );
    }
}
