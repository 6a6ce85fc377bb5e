using System.Globalization;
using System.Text.Json.Serialization;

namespace Glassbox.Attribution;

/// <summary>Attributions of one sequence's target to its tokens (or to the positions of a layer).</summary>
public sealed record TokenAttribution
{
    /// <summary>Method, e.g. <c>ig</c>, <c>gradxinput</c>, <c>occlusion</c>, <c>rollout</c>, <c>flow</c>, <c>layer-ig</c>.</summary>
    public required string Method { get; init; }

    /// <summary>Target name (<see cref="AttributionTarget.Name"/>).</summary>
    public required string Target { get; init; }

    /// <summary>Where the attribution was taken: the hook name (the token embeddings for input attributions).</summary>
    public required string Hook { get; init; }

    /// <summary>Baseline used (zero, pad, mask, mean, or the occluding token; "none" for attention methods).</summary>
    public required string Baseline { get; init; }

    /// <summary>Token ids.</summary>
    public required IReadOnlyList<int> Ids { get; init; }

    /// <summary>Visible token labels.</summary>
    public required IReadOnlyList<string> Tokens { get; init; }

    /// <summary>One score per token (summed over the hidden dimension and, for layer hooks, every other dimension).</summary>
    public required IReadOnlyList<double> Scores { get; init; }

    /// <summary>F(input): the target on the unmodified input.</summary>
    public required double Output { get; init; }

    /// <summary>F(baseline): the target with the baseline in place (NaN for attention methods, which have none).</summary>
    public required double BaselineOutput { get; init; }

    /// <summary>Integration steps (0 for methods without a path).</summary>
    public int Steps { get; init; }

    /// <summary>Integration rule (null for methods without a path).</summary>
    public string? Rule { get; init; }

    /// <summary>Sum of <see cref="Scores"/>.</summary>
    [JsonIgnore]
    public double Sum => Scores.Sum();

    /// <summary>Completeness error |Σ scores − (F(input) − F(baseline))|: near zero for integrated gradients with
    /// enough steps; gradient×input and occlusion make no such promise, the number says how far they are. NaN for
    /// attention rollout and flow (they are not attributions of a target value).</summary>
    public double CompletenessError => Math.Abs(Sum - (Output - BaselineOutput));

    /// <summary>The completeness error relative to |F(input) − F(baseline)|.</summary>
    public double RelativeCompletenessError => CompletenessError / Math.Max(1e-12, Math.Abs(Output - BaselineOutput));

    /// <summary>One line: method, target, output, delta and completeness error.</summary>
    public string Summary() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{Method} on {Target}: F(x) = {Output:G5}, F(baseline) = {BaselineOutput:G5}, sum = {Sum:G5}, completeness error {CompletenessError:G3} ({RelativeCompletenessError:P2})"
        );
}
