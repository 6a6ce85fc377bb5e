using Glassbox.Probing.Structural;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing.Structural;

/// <summary>Random dependency trees with word vectors in which a linear map recovers tree distances exactly.</summary>
internal static class SyntheticTrees
{
    public const int MaxLength = 14;

    /// <summary>Random trees of 6..14 words. Structured vectors: coordinate k of word i is 1 when word k is on the
    /// path from i up to (not including) the root, so ||h_i - h_j||² = d(i, j) and ||h_i||² = depth(i); then
    /// <paramref name="noiseDims"/> Gaussian noise coordinates are appended and everything is rotated by one fixed random rotation.
    /// Random vectors: Gaussian, unrelated to the tree.</summary>
    public static ParsedRepresentations Create(
        int sentences,
        int seed,
        bool structured,
        int noiseDims = 10,
        double noise = 0.3
    )
    {
        var rng = new Random(seed);
        using var gen = new Generator(1234); // one rotation shared by every data set
        int d = MaxLength + noiseDims;
        using var rotation = linalg.qr(randn(new long[] { d, d }, generator: gen)).Q;
        var words = new List<Tensor>();
        var heads = new List<int[]>();
        var punct = new List<bool[]>();
        for (int s = 0; s < sentences; s++)
        {
            int n = rng.Next(6, MaxLength + 1);
            var h = RandomTree(n, rng);
            heads.Add(h);
            punct.Add(new bool[n]);
            var raw = new float[n * d];
            for (int i = 0; i < n; i++)
            {
                if (structured)
                {
                    for (int u = i; h[u] != 0; u = h[u] - 1)
                        raw[i * d + u] = 1f;
                    for (int k = MaxLength; k < d; k++)
                        raw[i * d + k] = (float)(noise * Gaussian(rng));
                }
                else
                {
                    for (int k = 0; k < d; k++)
                        raw[i * d + k] = (float)Gaussian(rng);
                }
            }
            using var scope = NewDisposeScope();
            words.Add(tensor(raw, new long[] { n, d }).matmul(rotation).DetachFromDisposeScope());
        }
        return new ParsedRepresentations(words, heads, punct);
    }

    /// <summary>Random projective-ish tree: a random root, every other word attached to a random already-placed word,
    /// preferring near neighbours.</summary>
    public static int[] RandomTree(int n, Random rng)
    {
        var heads = new int[n];
        var order = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        heads[order[0]] = 0;
        for (int k = 1; k < n; k++)
        {
            int w = order[k];
            var placed = order.Take(k).OrderBy(p => Math.Abs(p - w) + rng.NextDouble() * 3).ToArray();
            heads[w] = placed[0] + 1;
        }
        return heads;
    }

    public static void Dispose(ParsedRepresentations data)
    {
        foreach (var w in data.Words)
            w.Dispose();
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
