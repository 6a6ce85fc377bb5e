using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Glassbox.Llm;

namespace Glassbox.Neurons.Explanations;

/// <summary>
/// LLM explainer in the manner of Bills et al. (2023): the train top excerpts as <c>token⇥activation</c> lines on the
/// 0–10 scale, then "the main thing this neuron does is find"; the first line of the reply is the explanation. An
/// empty reply is counted as malformed and gives an empty explanation (which then scores 0).
/// </summary>
/// <param name="chat">The robust client.</param>
/// <param name="excerpts">Train top excerpts shown (at most).</param>
public sealed class ChatExplainer(RobustChat chat, int excerpts = 10) : IExplainer
{
    /// <summary>System prompt (after Bills et al.'s explainer prompt).</summary>
    public const string System =
        "We're studying neurons in a neural network. Each neuron looks for some particular thing in a short document. "
        + "Look at the parts of the document the neuron activates for and summarize in a single sentence what the "
        + "neuron is looking for. Don't list examples of words.\n\nThe activation format is token<tab>activation. "
        + "Activation values range from 0 to 10. A neuron finding what it's looking for is represented by a non-zero "
        + "activation value. The higher the activation value, the stronger the match.";

    /// <inheritdoc/>
    public string Name => "chat";

    /// <summary>The user prompt for a unit's excerpts.</summary>
    public string Prompt(UnitExcerpts x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var sb = new StringBuilder();
        string unit = x.Unit.ToString();
        sb.Append("Neuron ").Append(unit).Append("\nActivations:\n");
        foreach (var e in x.TrainTop.Take(excerpts))
        {
            sb.Append("<start>\n");
            for (int i = 0; i < e.Tokens.Count; i++)
                sb.Append(e.Tokens[i].ReplaceLineEndings("\\n"))
                    .Append('\t')
                    .Append(ActivationScale.Scale(e.Activations[i], x.TrainMax).ToString(CultureInfo.InvariantCulture))
                    .Append('\n');
            sb.Append("<end>\n\n");
        }
        sb.Append("Explanation of neuron ").Append(unit).Append(" behavior: the main thing this neuron does is find");
        return sb.ToString();
    }

    /// <inheritdoc/>
    public async Task<string> ExplainAsync(UnitExcerpts excerpts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(excerpts);
        string reply = await chat.CompleteAsync(System, Prompt(excerpts), cancellationToken).ConfigureAwait(false);
        string line = reply.Split('\n').Select(Unquote).FirstOrDefault(l => l.Length > 0) ?? "";
        if (line.Length == 0)
            chat.CountMalformed();
        return line.TrimEnd('.');
    }

    /// <summary>The line trimmed, without one pair of surrounding quotes.</summary>
    private static string Unquote(string line)
    {
        string t = line.Trim();
        return t.Length >= 2 && t[0] == t[^1] && t[0] is '"' or '\'' or '`' ? t[1..^1].Trim() : t;
    }
}

/// <summary>
/// LLM simulator: the explanation and the excerpt's tokens, numbered; asks for JSON <c>{"activations": [...]}</c>
/// with one integer 0–10 per token (no log-probabilities needed). Replies are read leniently by
/// <see cref="SimulationReply.Parse"/>; unreadable ones are counted as malformed, never fatal.
/// </summary>
/// <param name="chat">The robust client.</param>
public sealed class ChatSimulator(RobustChat chat) : ISimulator
{
    /// <summary>System prompt.</summary>
    public const string System =
        "We're studying neurons in a neural network. Each neuron looks for some particular thing in a short document. "
        + "Given an explanation of what a neuron does, predict its activation on every token of a document: an integer "
        + "from 0 (no match) to 10 (strongest match). Reply with JSON only, of the form {\"activations\": [0, 3, 10]}, "
        + "with exactly one integer per token, in order.";

    /// <inheritdoc/>
    public string Name => "chat";

    /// <summary>The user prompt for an explanation and tokens.</summary>
    public static string Prompt(string explanation, IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var sb = new StringBuilder("Explanation: the main thing this neuron does is find ")
            .Append(explanation)
            .Append("\n\nTokens (")
            .Append(tokens.Count.ToString(CultureInfo.InvariantCulture))
            .Append("):\n");
        for (int i = 0; i < tokens.Count; i++)
            sb.Append(i.ToString(CultureInfo.InvariantCulture))
                .Append('\t')
                .Append(ExplanationFormat.Quote(tokens[i]))
                .Append('\n');
        return sb.ToString();
    }

    /// <inheritdoc/>
    public async Task<Simulation> SimulateAsync(
        string explanation,
        IReadOnlyList<string> tokens,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(tokens);
        string reply = await chat.CompleteAsync(System, Prompt(explanation, tokens), cancellationToken)
            .ConfigureAwait(false);
        var sim = SimulationReply.Parse(reply, tokens.Count);
        if (sim.Malformed)
            chat.CountMalformed();
        return sim;
    }
}

/// <summary>Lenient reading of a simulator's reply.</summary>
public static partial class SimulationReply
{
    /// <summary>One value per token from <paramref name="reply"/>: the first JSON-like list of numbers; else
    /// <c>index⇥token⇥value</c> lines; else every number in the reply when there are exactly
    /// <paramref name="count"/>. Values are clamped to 0–10. When no reading gives exactly one value per token the
    /// longest one is used, missing values are 0, extra ones dropped, and the result is marked malformed.</summary>
    public static Simulation Parse(string? reply, int count)
    {
        var text = reply ?? "";
        var candidates = new List<List<double>>();
        var list = ListPattern().Match(text);
        if (list.Success)
            candidates.Add(Numbers(list.Groups[1].Value));
        var byIndex = new SortedDictionary<int, double>();
        foreach (Match m in LinePattern().Matches(text))
            if (int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out int i) && i >= 0 && i < count)
                byIndex[i] = Value(m.Groups[2].Value);
        if (byIndex.Count > 0)
        {
            var v = new double[count];
            foreach (var (i, x) in byIndex)
                v[i] = x;
            candidates.Add(byIndex.Count == count ? v.ToList() : v.Take(byIndex.Keys.Max() + 1).ToList());
        }
        candidates.Add(Numbers(text));
        var exact = candidates.FirstOrDefault(c => c.Count == count);
        if (exact is not null)
            return new Simulation(exact);
        var best = candidates.OrderByDescending(c => Math.Min(c.Count, count)).First();
        var padded = best.Take(count).Concat(Enumerable.Repeat(0.0, Math.Max(0, count - best.Count))).ToList();
        return new Simulation(padded, Malformed: true);
    }

    private static List<double> Numbers(string s) => NumberPattern().Matches(s).Select(m => Value(m.Value)).ToList();

    private static double Value(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? Math.Clamp(v, 0, ActivationScale.Max)
            : 0;

    [GeneratedRegex(@"\[([^\[\]]*)\]")]
    private static partial Regex ListPattern();

    [GeneratedRegex(@"(?m)^\s*(\d+)\s*[\t:|,].*?(-?\d+(?:\.\d+)?)\s*$")]
    private static partial Regex LinePattern();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex NumberPattern();
}
