using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Glassbox.Llm;
using Glassbox.Neurons.Explanations;

namespace Glassbox.Neurons.Sasc;

/// <summary>An n-gram of the corpus and the module's response to it.</summary>
/// <param name="Ngram">The words.</param>
/// <param name="Response">The module's response to the n-gram run as a text.</param>
public sealed record NgramResponse(string Ngram, double Response);

/// <summary>A candidate explanation and the n-grams it came from.</summary>
/// <param name="Explanation">The explanation in words.</param>
/// <param name="Ngrams">The top n-grams it summarises (what offline templates fill in).</param>
public sealed record SascCandidateSeed(string Explanation, IReadOnlyList<string> Ngrams);

/// <summary>Turns the top n-grams into candidate explanations (SASC step 2).</summary>
public interface ISascSummarizer
{
    /// <summary>At most <paramref name="count"/> candidates from the top n-grams (best first).</summary>
    Task<IReadOnlyList<SascCandidateSeed>> SummariseAsync(
        IReadOnlyList<NgramResponse> top,
        int count,
        CancellationToken cancellationToken = default
    );
}

/// <summary>Writes synthetic texts for a candidate explanation (SASC step 3).</summary>
public interface ISascGenerator
{
    /// <summary>About <paramref name="count"/> texts for <paramref name="candidate"/>.</summary>
    Task<IReadOnlyList<string>> GenerateAsync(
        SascCandidateSeed candidate,
        int count,
        int seed,
        CancellationToken cancellationToken = default
    );
}

/// <summary>Offline summariser: greedily groups the top n-grams by the word with the largest summed rank weight
/// (n-gram r of T weighs T − r); each group (at most 8 n-grams) is one candidate, "n-grams with 'w': 'a', 'b'".</summary>
public sealed class OfflineSummarizer : ISascSummarizer
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<SascCandidateSeed>> SummariseAsync(
        IReadOnlyList<NgramResponse> top,
        int count,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(top);
        var left = top.Select((n, r) => (n.Ngram, Weight: (double)(top.Count - r))).ToList();
        var result = new List<SascCandidateSeed>();
        while (left.Count > 0 && result.Count < count)
        {
            var word = left.SelectMany(n =>
                    n.Ngram.Split(' ').Distinct(StringComparer.Ordinal).Select(w => (w, n.Weight))
                )
                .GroupBy(x => x.w, StringComparer.Ordinal)
                .Select(g => (Word: g.Key, Weight: g.Sum(x => x.Weight)))
                .OrderByDescending(x => x.Weight)
                .ThenBy(x => x.Word, StringComparer.Ordinal)
                .First()
                .Word;
            var group = left.Where(n => n.Ngram.Split(' ').Contains(word, StringComparer.Ordinal)).Take(8).ToList();
            left.RemoveAll(n => group.Any(g => g.Ngram == n.Ngram));
            var ngrams = group.Select(g => g.Ngram).ToList();
            result.Add(
                new SascCandidateSeed(
                    $"n-grams with {ExplanationFormat.Quote(word)}: {string.Join(", ", ngrams.Select(ExplanationFormat.Quote))}",
                    ngrams
                )
            );
        }
        return Task.FromResult<IReadOnlyList<SascCandidateSeed>>(result);
    }
}

/// <summary>Offline generator: the candidate's n-grams filled into neutral carrier sentences (every n-gram with
/// every carrier, in a seeded order), so texts differ from the control only in the n-grams.</summary>
public sealed class TemplateGenerator : ISascGenerator
{
    /// <summary>Neutral carriers; <c>{0}</c> is the n-gram.</summary>
    public static readonly IReadOnlyList<string> Carriers =
    [
        "Then there was {0}.",
        "She looked at {0} for a while.",
        "He said {0} and smiled.",
        "They talked about {0} all day.",
        "It was {0} again.",
        "We saw {0} in the morning.",
        "Mom said {0}.",
        "The story was about {0}.",
        "Everyone knew about {0}.",
        "After lunch, {0} was there.",
    ];

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> GenerateAsync(
        SascCandidateSeed candidate,
        int count,
        int seed,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (candidate.Ngrams.Count == 0)
            return Task.FromResult<IReadOnlyList<string>>(Array.Empty<string>());
        var pairs = candidate.Ngrams.SelectMany(n => Carriers.Select(c => (n, c))).ToArray();
        new Random(seed).Shuffle(pairs);
        var texts = Enumerable
            .Range(0, count)
            .Select(i => pairs[i % pairs.Length])
            .Select(p => string.Format(CultureInfo.InvariantCulture, p.c, p.n))
            .ToList();
        return Task.FromResult<IReadOnlyList<string>>(texts);
    }
}

/// <summary>LLM summariser (Singh et al. 2023): asks for a few short candidate explanations of the top n-grams, one per
/// line; a reply with no usable line is counted as malformed and the offline grouping is used instead.</summary>
/// <param name="chat">The robust client.</param>
public sealed partial class ChatSummarizer(RobustChat chat) : ISascSummarizer
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<SascCandidateSeed>> SummariseAsync(
        IReadOnlyList<NgramResponse> top,
        int count,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(top);
        var sb = new StringBuilder("Here is a list of phrases, each of which makes a neuron respond strongly:\n");
        foreach (var n in top)
            sb.Append("- ").Append(n.Ngram).Append('\n');
        sb.Append(
            string.Create(
                CultureInfo.InvariantCulture,
                $"\nWhat do these phrases have in common? Give {count} different short candidate explanations (a few words each), one per line, most likely first."
            )
        );
        string reply = await chat.CompleteAsync(
                "You summarise what text patterns have in common.",
                sb.ToString(),
                cancellationToken
            )
            .ConfigureAwait(false);
        var lines = Lines(reply).Take(count).ToList();
        if (lines.Count == 0)
        {
            chat.CountMalformed();
            return await new OfflineSummarizer().SummariseAsync(top, count, cancellationToken).ConfigureAwait(false);
        }
        var ngrams = top.Select(n => n.Ngram).ToList();
        return lines.Select(l => new SascCandidateSeed(l, ngrams)).ToList();
    }

    /// <summary>Non-empty reply lines without list bullets or numbering.</summary>
    internal static IEnumerable<string> Lines(string reply) =>
        (reply ?? "")
            .Split('\n')
            .Select(l => Bullet().Replace(l, "").Trim().Trim('"'))
            .Where(l => l.Length > 0 && !l.EndsWith(':'));

    [GeneratedRegex(@"^\s*(?:[-*•]|\d+[.)])\s*")]
    private static partial Regex Bullet();
}

/// <summary>LLM generator: asks for short sentences about the candidate, one per line; fewer than two usable lines
/// count as malformed and the templates are used instead.</summary>
/// <param name="chat">The robust client.</param>
public sealed class ChatGenerator(RobustChat chat) : ISascGenerator
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> GenerateAsync(
        SascCandidateSeed candidate,
        int count,
        int seed,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(candidate);
        string prompt = string.Create(
            CultureInfo.InvariantCulture,
            $"Write {count} different short, simple sentences (like a children's story), one per line, that are about: {candidate.Explanation}"
        );
        string reply = await chat.CompleteAsync("You write short example sentences.", prompt, cancellationToken)
            .ConfigureAwait(false);
        var lines = ChatSummarizer.Lines(reply).Take(count).ToList();
        if (lines.Count >= 2)
            return lines;
        chat.CountMalformed();
        return await new TemplateGenerator()
            .GenerateAsync(candidate, count, seed, cancellationToken)
            .ConfigureAwait(false);
    }
}
