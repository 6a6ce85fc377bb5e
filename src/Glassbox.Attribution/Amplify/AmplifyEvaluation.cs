using Glassbox.Classification;
using Glassbox.Llm;
using Glassbox.Statistics;

namespace Glassbox.Attribution;

/// <summary>The AMPLIFY evaluation harness: every task input asked twice, with the shots' rationales and without them,
/// through a <see cref="RobustChat"/> (retries, concurrency limit, reply cache: a rerun resumes where the last one
/// stopped and costs no calls for answered prompts); accuracies with intervals and their paired difference.</summary>
public static class AmplifyEvaluation
{
    /// <summary>The two variants' prompts for every task input, in input order.</summary>
    /// <exception cref="InputException">No shots or no task inputs.</exception>
    public static IReadOnlyList<AmplifyPrompt> Prompts(IReadOnlyList<AmplifyShot> shots, LabeledTextSet tasks)
    {
        ArgumentNullException.ThrowIfNull(shots);
        ArgumentNullException.ThrowIfNull(tasks);
        if (shots.Count == 0)
            throw new InputException("AMPLIFY needs at least one few-shot example");
        if (tasks.Rows.Count == 0)
            throw new InputException($"{tasks.Description}: no task inputs");
        return tasks
            .Rows.SelectMany(
                (r, i) =>
                    new[] { true, false }.Select(with => new AmplifyPrompt(
                        i,
                        with ? "rationales" : "plain",
                        tasks.Labels[r.Label],
                        AmplifyPrompts.System,
                        AmplifyPrompts.Build(shots, r.Text, tasks.Labels, with)
                    ))
            )
            .ToList();
    }

    /// <summary>Asks every prompt and scores the answers.</summary>
    /// <exception cref="LlmUnavailableException">The LLM could not be reached after every retry.</exception>
    /// <exception cref="InputException">No shots or no task inputs.</exception>
    public static async Task<AmplifyResult> RunAsync(
        RobustChat chat,
        IReadOnlyList<AmplifyShot> shots,
        LabeledTextSet tasks,
        AmplifyOptions options,
        Action<int, int>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var prompts = Prompts(shots, tasks);
        int done = 0;
        var answers = await Task.WhenAll(
                prompts.Select(async p =>
                {
                    string reply = await chat.CompleteAsync(p.System, p.User, cancellationToken).ConfigureAwait(false);
                    var label = AmplifyPrompts.ParseLabel(reply, tasks.Labels);
                    if (label is null)
                        chat.CountMalformed();
                    progress?.Invoke(Interlocked.Increment(ref done), prompts.Count);
                    return new AmplifyAnswer(p.Index, p.Variant, p.Gold, label);
                })
            )
            .ConfigureAwait(false);
        bool[] Correct(string variant) =>
            answers.Where(a => a.Variant == variant).OrderBy(a => a.Index).Select(a => a.Predicted == a.Gold).ToArray();
        var with = Correct("rationales");
        var without = Correct("plain");
        var diff = Bootstrap.Percentile(
            with.Length,
            idx => idx.Average(i => (with[i] ? 1.0 : 0.0) - (without[i] ? 1.0 : 0.0)),
            options.Resamples,
            Bootstrap.Seed(options.Seed, "amplify-difference")
        );
        var counters = chat.Counters;
        return new AmplifyResult(
            shots,
            tasks.Rows.Count,
            Bootstrap.Proportion(with, options.Resamples, options.Seed, "amplify-with"),
            Bootstrap.Proportion(without, options.Resamples, options.Seed, "amplify-without"),
            diff,
            new Dictionary<string, int>(StringComparer.Ordinal)
            {
                ["rationales"] = answers.Count(a => a.Variant == "rationales" && a.Predicted is null),
                ["plain"] = answers.Count(a => a.Variant == "plain" && a.Predicted is null),
            },
            counters.Calls,
            counters.CacheHits,
            answers.OrderBy(a => a.Index).ThenBy(a => a.Variant, StringComparer.Ordinal).ToList()
        );
    }
}
