using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using Glassbox.Tokenization;
using static TorchSharp.torch;

namespace Glassbox.Attribution;

/// <summary>
/// Gradient attributions through the runtime's call path (after Captum's IntegratedGradients, InputXGradient,
/// LayerIntegratedGradients and LayerGradientXActivation): the activation at a hook (the token embeddings by default)
/// is replaced by a tensor that requires grad, the target is computed, and the gradient is read back.
/// </summary>
public static class IntegratedGradients
{
    /// <summary>Integrated gradients of <paramref name="target"/> for one token sequence: at the token embeddings
    /// (<paramref name="hook"/> null) with the configured baseline, or at any hook (layer integrated gradients: the
    /// activation is interpolated between its value on the baseline input and on the real input, as Captum does).</summary>
    /// <param name="target">What is explained.</param>
    /// <param name="ids">Token ids of one sequence (special tokens included).</param>
    /// <param name="options">Steps, rule, baseline, internal batch size.</param>
    /// <param name="hook">Hook name for layer attributions (build it with HookName/HookPoints); null for the input.</param>
    /// <exception cref="InputException">Empty sequence, bad steps, missing baseline token.</exception>
    public static TokenAttribution Attribute(
        AttributionTarget target,
        IReadOnlyList<int> ids,
        AttributionOptions? options = null,
        string? hook = null
    )
    {
        var o = options ?? AttributionOptions.Default;
        if (o.InternalBatchSize < 1)
            throw new InputException("internal batch size must be at least 1");
        var (alphas, weights) = IntegrationRules.Points(o.Rule, o.Steps);
        var model = target.Model;
        string at = hook ?? HookName.Embed;
        HookName.Require(at, model.HookNames);
        RequirePositional(at);
        using var scope = NewDisposeScope();
        using var one = Single(model, ids);
        var (x, xb) = Endpoints(target, one, o.Baseline, o.KeepSpecialTokens, at); // [1, ...] each
        var diff = x.sub(xb);
        var total = zeros_like(x, dtype: ScalarType.Float64);
        for (int start = 0; start < alphas.Length; start += o.InternalBatchSize)
        {
            int n = Math.Min(o.InternalBatchSize, alphas.Length - start);
            using var chunkScope = NewDisposeScope();
            var a = tensor(alphas.AsSpan(start, n).ToArray(), device: x.device).to_type(x.dtype);
            var w = tensor(weights.AsSpan(start, n).ToArray(), device: x.device);
            var shape = new long[x.dim()];
            shape[0] = n;
            for (int d = 1; d < shape.Length; d++)
                shape[d] = 1;
            var path = xb.Plus(diff.mul(a.view(shape))).detach().requires_grad_(true); // [n, ...]
            using var rep = Repeat(model, ids, n);
            var g = Gradient(target, rep, at, path); // [n, ...]
            total.PlusInPlace(g.to_type(ScalarType.Float64).mul(w.view(shape)).sum([0], keepdim: true));
        }
        var attr = total.mul(diff.to_type(ScalarType.Float64)); // [1, ...]
        var (fx, fb) = Outputs(target, one, at, xb);
        o.Status?.Invoke($"ig: {ids.Count} tokens, {alphas.Length} steps");
        return Result(target, ids, "ig", at, o.Baseline, attr, fx, fb) with
        {
            Method = hook is null ? "ig" : "layer-ig",
            Steps = alphas.Length,
            Rule = o.Rule.Name(),
        };
    }

    /// <summary>Gradient × input at the token embeddings (<paramref name="hook"/> null), or gradient × activation at
    /// any hook. The completeness error is measured against the zero activation.</summary>
    public static TokenAttribution GradientTimesInput(
        AttributionTarget target,
        IReadOnlyList<int> ids,
        string? hook = null
    )
    {
        var model = target.Model;
        string at = hook ?? HookName.Embed;
        HookName.Require(at, model.HookNames);
        RequirePositional(at);
        using var scope = NewDisposeScope();
        using var one = Single(model, ids);
        var x = Baselines.Capture(model, one, at);
        var g = Gradient(target, one, at, x.detach().clone().requires_grad_(true));
        var attr = g.to_type(ScalarType.Float64).mul(x.to_type(ScalarType.Float64));
        var (fx, fb) = Outputs(target, one, at, zeros_like(x));
        return Result(
            target,
            ids,
            hook is null ? "gradxinput" : "layer-gradxactivation",
            at,
            BaselineKind.Zero,
            attr,
            fx,
            fb
        );
    }

    /// <summary>The activation at <paramref name="hook"/> on the input and on the baseline input [1, ...].</summary>
    internal static void RequirePositional(string hook)
    {
        var (point, _) = HookName.Parse(hook);
        if (point == HookPoints.AttnPattern || point == HookPoints.AttnScores)
            throw new InputException(
                $"hook '{hook}' is indexed by heads, not positions; attribute at a residual, attention/MLP output or neuron hook"
            );
    }

    private static (Tensor X, Tensor Baseline) Endpoints(
        AttributionTarget target,
        TokenBatch one,
        BaselineKind kind,
        bool keepSpecial,
        string hook
    )
    {
        var model = target.Model;
        var keep = new HashSet<int>();
        if (keepSpecial && model.Tokenizer is { } tok)
            foreach (var s in new[] { tok.BosId, tok.EosId })
                if (s is { } id)
                    keep.Add(id);
        var embB = Baselines.Embeddings(model, one, kind, keep); // [1, pos, d_model]
        if (hook == HookName.Embed)
            return (Baselines.Capture(model, one, hook), embB);
        var x = Baselines.Capture(model, one, hook);
        var xb = Baselines.Capture(model, one, hook, [new Hook(HookName.Embed, (_, _) => embB.alias())]);
        return (x, xb);
    }

    /// <summary>d target / d activation at <paramref name="hook"/>, with the activation replaced by <paramref name="leaf"/>.</summary>
    private static Tensor Gradient(AttributionTarget target, TokenBatch batch, string hook, Tensor leaf)
    {
        using var grad = enable_grad();
        // An alias flows on (a forward may free the activations it replaces); backward reaches the leaf through it.
        var score = target.Score(batch, [new Hook(hook, (_, _) => leaf.alias())]); // [n]
        score.sum().backward();
        return leaf.grad?.detach() ?? zeros_like(leaf);
    }

    /// <summary>F(input) and F(with the activation at hook replaced by the baseline).</summary>
    private static (double Fx, double Fb) Outputs(
        AttributionTarget target,
        TokenBatch one,
        string hook,
        Tensor baseline
    )
    {
        using var scope = NewDisposeScope();
        double fx = target.Score(one, Array.Empty<Hook>()).detach().to_type(ScalarType.Float64).item<double>();
        double fb = target
            .Score(one, [new Hook(hook, (_, _) => baseline.alias())])
            .detach()
            .to_type(ScalarType.Float64)
            .item<double>();
        if (!double.IsFinite(fx) || !double.IsFinite(fb))
            throw new InputException($"target {target.Name} is not finite on this input");
        return (fx, fb);
    }

    internal static TokenBatch Single(HookedTransformer model, IReadOnlyList<int> ids)
    {
        if (ids.Count == 0)
            throw new InputException("cannot attribute an empty token sequence");
        return TokenBatch.Single(ids, model.Device);
    }

    internal static TokenBatch Repeat(HookedTransformer model, IReadOnlyList<int> ids, int n) =>
        TokenBatch.FromIds(Enumerable.Repeat(ids, n).ToList(), 0, device: model.Device);

    /// <summary>Sums an attribution [1, pos, ...] over everything but the position.</summary>
    internal static TokenAttribution Result(
        AttributionTarget target,
        IReadOnlyList<int> ids,
        string method,
        string hook,
        BaselineKind baseline,
        Tensor attr,
        double fx,
        double fb
    )
    {
        var a = attr.squeeze(0); // [pos, ...]
        var perPos = a.dim() > 1 ? a.reshape(a.shape[0], -1).sum([1]) : a; // [pos]
        var scores = perPos.cpu().data<double>().ToArray();
        return new TokenAttribution
        {
            Method = method,
            Target = target.Name,
            Hook = hook,
            Baseline = Baselines.Names[(int)baseline],
            Ids = ids.ToArray(),
            Tokens = Labels(target.Model, ids),
            Scores = scores,
            Output = fx,
            BaselineOutput = fb,
        };
    }

    internal static IReadOnlyList<string> Labels(HookedTransformer model, IReadOnlyList<int> ids) =>
        TokenDisplay.Labels(
            ids.Select(i => model.Tokenizer?.TokenToString(i) ?? i.ToString(CultureInfo.InvariantCulture))
        );
}
