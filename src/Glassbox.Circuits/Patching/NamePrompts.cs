using Glassbox.Models;

namespace Glassbox.Circuits.Patching;

/// <summary>Built-in story prompts for small story models (e.g. stories260K): a character is named once and the
/// model is expected to repeat the name. The subject is the first mention of the name; the answer is the name's
/// first token. Only prompts whose greedy prediction is that token are kept.</summary>
public static class NamePrompts
{
    /// <summary>Templates with <c>{0}</c> for the name.</summary>
    public static IReadOnlyList<string> Templates { get; } =
        new[]
        {
            "Once upon a time, there was a little kid named {0}. One day,",
            "Once upon a time, there was a cat. The cat had a friend named {0}. One day,",
            "{0} went to the park to play. At the park,",
            "Once upon a time, there was a girl named {0}. She liked to play with her ball. One day,",
            "Once upon a time, there was a boy named {0}. He had a big red ball. One day,",
            "There was a dog named {0}. The dog liked to run in the sun. One day,",
        };

    /// <summary>Names tried in each template.</summary>
    public static IReadOnlyList<string> Names { get; } =
        new[]
        {
            "Lily",
            "Timmy",
            "Tom",
            "Ben",
            "Sue",
            "Max",
            "Mia",
            "Sam",
            "Anna",
            "Jack",
            "Lucy",
            "Bob",
            "Spot",
            "Tim",
        };

    /// <summary>Every template × name prompt that <paramref name="model"/> completes with the name (greedy).</summary>
    public static IEnumerable<TracePrompt> For(HookedTransformer model) =>
        Templates.SelectMany(t => Completed(model, ForTemplate(model, t)));

    /// <summary>Clean/corrupted pairs for activation patching: two prompts of the same template that differ only in
    /// the name, with equal token length and different answer tokens (the metric is then the logit difference between
    /// the two names). With <paramref name="completedOnly"/>, both prompts must be completed with their name.</summary>
    public static IEnumerable<(TracePrompt Clean, TracePrompt Corrupted)> Pairs(
        HookedTransformer model,
        bool completedOnly = false
    )
    {
        foreach (var t in Templates)
        {
            var prompts = ForTemplate(model, t).ToList();
            if (completedOnly)
                prompts = Completed(model, prompts).ToList();
            for (int i = 0; i < prompts.Count; i++)
            for (int j = i + 1; j < prompts.Count; j++)
                if (prompts[i].Ids.Count == prompts[j].Ids.Count && prompts[i].Answer != prompts[j].Answer)
                    yield return (prompts[i], prompts[j]);
        }
    }

    private static IEnumerable<TracePrompt> ForTemplate(HookedTransformer model, string template) =>
        Names.Select(n =>
            TracePrompt.Create(
                model,
                string.Format(System.Globalization.CultureInfo.InvariantCulture, template, n),
                n,
                n
            )
        );

    private static IEnumerable<TracePrompt> Completed(HookedTransformer model, IEnumerable<TracePrompt> prompts) =>
        prompts.Where(p => TracePrompt.Greedy(model, p.Ids) == p.Answer);
}
