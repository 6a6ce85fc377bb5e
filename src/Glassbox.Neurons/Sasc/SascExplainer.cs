using System.Globalization;
using System.Text.RegularExpressions;
using Glassbox.Statistics;

namespace Glassbox.Neurons.Sasc;

/// <summary>Options of a SASC run.</summary>
/// <param name="MaxTexts">Corpus texts read for n-grams.</param>
/// <param name="MaxNgrams">Most frequent n-grams (1–3 words, seen at least twice) run through the module.</param>
/// <param name="TopNgrams">Top n-grams summarised.</param>
/// <param name="Candidates">Candidate explanations.</param>
/// <param name="Texts">Synthetic texts per candidate (and for the control).</param>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="Seed">Seed of sampling, templates and bootstraps.</param>
/// <param name="Level">Confidence level.</param>
public sealed record SascOptions(
    int MaxTexts = 400,
    int MaxNgrams = 2000,
    int TopNgrams = 30,
    int Candidates = 3,
    int Texts = 30,
    int Resamples = Bootstrap.DefaultResamples,
    int Seed = 0,
    double Level = 0.95
);

/// <summary>A scored candidate explanation.</summary>
/// <param name="Explanation">The candidate.</param>
/// <param name="Texts">Its synthetic texts.</param>
/// <param name="MeanResponse">Mean response to them.</param>
/// <param name="Score">Explanation score: (mean response to the candidate's texts − mean response to the control
/// texts) / SD of the response over the corpus n-grams, with a bootstrap interval (both text sets resampled).</param>
public sealed record SascCandidate(
    string Explanation,
    IReadOnlyList<string> Texts,
    double MeanResponse,
    Interval Score
);

/// <summary>The result of a SASC run.</summary>
/// <param name="Module">What was explained.</param>
/// <param name="NgramsScored">N-grams run through the module.</param>
/// <param name="ResponseMean">Mean response over those n-grams.</param>
/// <param name="ResponseSd">Their standard deviation (the score's unit).</param>
/// <param name="Top">The top n-grams, best first.</param>
/// <param name="Candidates">Candidates, best score first.</param>
/// <param name="ControlTexts">The control texts (the generator applied to random non-top corpus n-grams).</param>
/// <param name="ControlMeanResponse">Mean response to them.</param>
public sealed record SascResult(
    string Module,
    int NgramsScored,
    double ResponseMean,
    double ResponseSd,
    IReadOnlyList<NgramResponse> Top,
    IReadOnlyList<SascCandidate> Candidates,
    IReadOnlyList<string> ControlTexts,
    double ControlMeanResponse
);

/// <summary>
/// SASC, summarise and score (Singh et al. 2023, imodelsX): explains a black-box module only through its responses.
/// (1) The most frequent corpus n-grams (1–3 words) are run through the module as texts and ranked by response;
/// (2) the top ones are summarised into candidate explanations; (3) synthetic texts are generated per candidate;
/// (4) each candidate is scored by the module's response to its texts minus its response to control texts (the
/// same generator on random non-top corpus n-grams), in SDs of the n-gram responses, with a bootstrap interval.
/// </summary>
public static partial class SascExplainer
{
    /// <summary>Runs SASC on a module.</summary>
    /// <param name="module">The module.</param>
    /// <param name="corpus">Corpus texts (at most <see cref="SascOptions.MaxTexts"/> are read).</param>
    /// <param name="summarizer">Candidate explanations from top n-grams.</param>
    /// <param name="generator">Synthetic texts per candidate.</param>
    /// <param name="options">Sizes, seed, bootstrap.</param>
    /// <param name="progress">Called with (phase, done, total).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <exception cref="InputException">Sizes out of range or a corpus with too few repeated n-grams.</exception>
    public static async Task<SascResult> RunAsync(
        IModuleResponse module,
        IEnumerable<string> corpus,
        ISascSummarizer summarizer,
        ISascGenerator generator,
        SascOptions? options = null,
        Action<string, int, int>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(summarizer);
        ArgumentNullException.ThrowIfNull(generator);
        var o = options ?? new SascOptions();
        if (o.MaxTexts < 1 || o.MaxNgrams < 4 || o.TopNgrams < 1 || o.Candidates < 1 || o.Texts < 2 || o.Resamples < 0)
            throw new InputException(
                "SASC needs --max-texts ≥ 1, --ngrams ≥ 4, --top ≥ 1, --candidates ≥ 1, --texts ≥ 2, --resamples ≥ 0"
            );
        var ngrams = FrequentNgrams(corpus.Take(o.MaxTexts), o.MaxNgrams);
        if (ngrams.Count < 4)
            throw new InputException("the corpus has fewer than 4 repeated n-grams; give a longer --corpus");
        var responses = module.Responses(ngrams, d => progress?.Invoke("n-grams", d, ngrams.Count));
        var ranked = ngrams
            .Select((n, i) => new NgramResponse(n, responses[i]))
            .OrderByDescending(r => r.Response)
            .ThenBy(r => r.Ngram, StringComparer.Ordinal)
            .ToList();
        double mean = responses.Average();
        double sd = Math.Sqrt(responses.Sum(r => (r - mean) * (r - mean)) / Math.Max(1, responses.Count - 1));
        if (!(sd > 0))
            throw new InputException(
                $"module {module.Name} gives the same response to every n-gram; nothing to explain"
            );
        var top = ranked.Take(Math.Min(o.TopNgrams, ranked.Count / 2)).ToList();
        var seeds = await summarizer.SummariseAsync(top, o.Candidates, cancellationToken).ConfigureAwait(false);

        var rest = ranked.Skip(top.Count).Select(r => r.Ngram).ToArray();
        new Random(o.Seed).Shuffle(rest);
        var control = new SascCandidateSeed("control: random corpus n-grams", rest.Take(8).ToList());
        var controlTexts = await generator
            .GenerateAsync(control, o.Texts, o.Seed, cancellationToken)
            .ConfigureAwait(false);
        var controlResponses = module.Responses(controlTexts);

        var candidates = new List<SascCandidate>();
        for (int c = 0; c < seeds.Count; c++)
        {
            progress?.Invoke("candidates", c, seeds.Count);
            var texts = await generator
                .GenerateAsync(seeds[c], o.Texts, Bootstrap.Seed(o.Seed, seeds[c].Explanation), cancellationToken)
                .ConfigureAwait(false);
            if (texts.Count == 0)
                continue;
            var r = module.Responses(texts);
            var pooled = r.Concat(controlResponses).ToArray();
            int n1 = r.Count;
            double Difference(int[] drawn)
            {
                double a = 0,
                    b = 0;
                int na = 0,
                    nb = 0;
                foreach (int i in drawn)
                    if (i < n1)
                    {
                        a += pooled[i];
                        na++;
                    }
                    else
                    {
                        b += pooled[i];
                        nb++;
                    }
                return (a / na - b / nb) / sd;
            }
            var score = Bootstrap.Percentile(
                new[] { n1, controlResponses.Count },
                Difference,
                o.Resamples,
                Bootstrap.Seed(o.Seed, "sasc" + c.ToString(CultureInfo.InvariantCulture)),
                o.Level
            );
            candidates.Add(new SascCandidate(seeds[c].Explanation, texts, r.Average(), score));
        }
        progress?.Invoke("candidates", seeds.Count, seeds.Count);
        return new SascResult(
            module.Name,
            ngrams.Count,
            mean,
            sd,
            top,
            candidates.OrderByDescending(c => c.Score.Value).ToList(),
            controlTexts,
            controlResponses.Average()
        );
    }

    /// <summary>The <paramref name="max"/> most frequent word n-grams (1–3 lower-case words within a sentence, seen at
    /// least twice) of the texts, most frequent first (ties in first-seen order).</summary>
    public static IReadOnlyList<string> FrequentNgrams(IEnumerable<string> texts, int max)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var counts = new Dictionary<string, (int Count, int First)>(StringComparer.Ordinal);
        foreach (var text in texts)
        foreach (var sentence in SentenceSplit().Split(text))
        {
            var words = Word().Matches(sentence).Select(m => m.Value.ToLowerInvariant()).ToList();
            for (int i = 0; i < words.Count; i++)
            for (int n = 1; n <= 3 && i + n <= words.Count; n++)
            {
                string key = string.Join(' ', words.Skip(i).Take(n));
                counts[key] = counts.TryGetValue(key, out var v) ? (v.Count + 1, v.First) : (1, counts.Count);
            }
        }
        return counts
            .Where(kv => kv.Value.Count >= 2)
            .OrderByDescending(kv => kv.Value.Count)
            .ThenBy(kv => kv.Value.First)
            .Take(max)
            .Select(kv => kv.Key)
            .ToList();
    }

    [GeneratedRegex(@"[.!?\n]+")]
    private static partial Regex SentenceSplit();

    [GeneratedRegex(@"[A-Za-z]+(?:'[a-z]+)?")]
    private static partial Regex Word();
}
