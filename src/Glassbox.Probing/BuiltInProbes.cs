using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing.Structural;
using Glassbox.Reports;

namespace Glassbox.Probing;

/// <summary>Summary numbers of the built-in probing sections, for <c>explain --json</c>.</summary>
/// <param name="Sentences">Generated sentences per built-in task.</param>
/// <param name="BestAccuracy">Best-layer accuracy per trained probe (UPOS, tense, voice, subject_number).</param>
/// <param name="BestLayer">Best layer per trained probe ("emb", "L1", ...).</param>
/// <param name="StructuralBestUuas">Best-layer UUAS of the structural probe.</param>
/// <param name="RightBranchingUuas">UUAS of the right-branching baseline.</param>
/// <param name="MinimalPairAccuracy">Minimal-pair accuracy (causal LMs only).</param>
/// <param name="CoreferenceBestProbeAccuracy">Best-layer coreference probe accuracy.</param>
/// <param name="BestHeadPerRelation">Best dependency head per relation, with its accuracy and the offset baseline.</param>
/// <param name="UposData">What the UPOS probe ran on ("UD EWT ..." or "built-in ...").</param>
/// <param name="AccuracyByLayer">Accuracy per layer (layer 0 = embeddings) per trained probe.</param>
/// <param name="RandomModelAccuracy">The random-weights model's accuracy at the best layer, per trained probe.</param>
/// <param name="Inconclusive">Ids of the sections flagged inconclusive.</param>
/// <param name="MinimalPairData">What the minimal pairs were ("BLiMP ..." or "built-in ..."), or null when not run.</param>
/// <param name="Seconds">Wall-clock seconds per part (upos, sentence, structural, heads, coreference, minimal-pairs).</param>
public sealed record BuiltInProbeSummary(
    int Sentences,
    IReadOnlyDictionary<string, double> BestAccuracy,
    IReadOnlyDictionary<string, string> BestLayer,
    double? StructuralBestUuas,
    double? RightBranchingUuas,
    double? MinimalPairAccuracy,
    double? CoreferenceBestProbeAccuracy = null,
    IReadOnlyDictionary<string, string>? BestHeadPerRelation = null,
    string? UposData = null,
    IReadOnlyDictionary<string, IReadOnlyList<double>>? AccuracyByLayer = null,
    IReadOnlyDictionary<string, double>? RandomModelAccuracy = null,
    IReadOnlyList<string>? Inconclusive = null,
    string? MinimalPairData = null,
    IReadOnlyDictionary<string, double>? Seconds = null
);

/// <summary>
/// The probing sections of the <c>explain</c> report. With <c>../shared/data</c> present they use real data (UPOS and
/// attention heads on UD EWT, BLiMP minimal pairs for causal LMs); otherwise, and for the tasks the treebank does not
/// label, generated data (a noun/verb-ambiguous UPOS sample, the template grammar for sentence, structural and head
/// probes, generated pronoun sentences for coreference). Every section gets a "what this means" sentence, an
/// inconclusive flag where a baseline is not cleared, and the <c>glassbox</c> command that reproduces it.
/// </summary>
public static partial class BuiltInProbes
{
    /// <summary>Runs every section and adds it to <paramref name="report"/>.</summary>
    public static BuiltInProbeSummary AddTo(
        HtmlReport report,
        HookedTransformer model,
        int sentences = 400,
        int seed = 0,
        Action<string>? status = null
    ) => AddTo(report, model, new BuiltInProbeOptions { Sentences = sentences, Seed = seed }, status);

    /// <summary>Runs every section and adds it to <paramref name="report"/>.</summary>
    public static BuiltInProbeSummary AddTo(
        HtmlReport report,
        HookedTransformer model,
        BuiltInProbeOptions options,
        Action<string>? status = null
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        // The sections read the same sentences several times (the structural probe and the sentence tasks, each with its
        // random-weights model). A run-scoped representation cache makes each extraction happen once.
        var cacheDir = Directory.CreateTempSubdirectory("glassbox-builtin-").FullName;
        try
        {
            return new Run(report, model, options, status, cacheDir).All();
        }
        finally
        {
            Directory.Delete(cacheDir, recursive: true);
        }
    }

    /// <summary>The UD EWT file used when the shared data is present and allowed, else null.</summary>
    public static string? TreebankFile(BuiltInProbeOptions options) =>
        options.UseSharedData ? SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu") : null;

    /// <summary>The BLiMP folder used for causal LMs when the shared data is present and allowed, else null.</summary>
    public static string? BlimpFolder(BuiltInProbeOptions options) =>
        options.UseSharedData && SharedData.Root is { } root && Directory.Exists(Path.Combine(root, "blimp"))
            ? Path.Combine(root, "blimp")
            : null;

    /// <summary>The noun/verb-ambiguous UPOS sample split as <c>probe pos --builtin</c> splits it.</summary>
    public static (List<ConllSentence> Train, List<ConllSentence> Test) UposSample(int sentences, int seed) =>
        SeededSplit.Split(AmbiguousPosSentences.Generate(sentences, seed), 0.8, seed, "the built-in UPOS sample");

    /// <summary>The first <paramref name="sentences"/> sentences of a treebank split as <c>probe pos --sentences</c> splits them.</summary>
    public static (List<ConllSentence> Train, List<ConllSentence> Test) TreebankSample(
        string path,
        int sentences,
        int seed
    ) => SeededSplit.Split(ConllUReader.Read(path).Take(sentences).ToList(), 0.8, seed, path);

    /// <summary>The "Reproduce:" line of a command (<c>glassbox</c> plus <paramref name="args"/>).</summary>
    public static string Reproduce(string args) => HtmlReport.Reproduce("glassbox " + args);

    private sealed partial class Run(
        HtmlReport report,
        HookedTransformer model,
        BuiltInProbeOptions o,
        Action<string>? status,
        string cacheDir
    )
    {
        private readonly string _m = o.ModelArgument ?? model.CliArgument();
        private string Explain =>
            string.Create(
                CultureInfo.InvariantCulture,
                $"explain -m {_m}{(o.UseSharedData ? "" : " --builtin-data")} --out report.html"
            );
        private readonly List<string> _inconclusive = new();
        private readonly Dictionary<string, double> _best = new(),
            _random = new(),
            _seconds = new();
        private readonly Dictionary<string, string> _bestLayer = new();
        private readonly Dictionary<string, IReadOnlyList<double>> _byLayer = new();
        private WordProbeOptions Options =>
            new()
            {
                Seed = o.Seed,
                Extraction = new ExtractionOptions { CacheDirectory = cacheDir },
            };

        public BuiltInProbeSummary All()
        {
            var generated = TemplateGrammar.Sentences(o.Sentences, o.Seed);
            int nTrain = o.Sentences * 4 / 5;
            var train = generated.Take(nTrain).ToList();
            var test = generated.Skip(nTrain).ToList();
            string ewt = TreebankFile(o) is { } f ? f : "";
            string source = string.Create(
                CultureInfo.InvariantCulture,
                $"Built-in data: {o.Sentences} sentences from Glassbox's template grammar (seed {o.Seed})"
            );
            string desc = string.Create(
                CultureInfo.InvariantCulture,
                $"{source}, {nTrain} for training and {o.Sentences - nTrain} for testing"
            );
            report.Add(
                "probing",
                "Probing",
                HtmlReport.Paragraph(
                    "What do the layers encode? Linear probes on every layer (layer 0 = embeddings) with Hewitt & Liang control tasks "
                        + "(selectivity = task − control accuracy), a random-weights model of the same architecture and the majority class as "
                        + "baselines, and 95% bootstrap intervals. A section is flagged inconclusive when an interval overlaps its baseline or "
                        + "selectivity is ≤ 0."
                )
                    + HtmlReport.Paragraph(
                        ewt.Length > 0
                            ? string.Create(
                                CultureInfo.InvariantCulture,
                                $"Real data: UPOS and the attention-head analyses use UD English EWT ({ewt}); tense, voice, subject number, the structural probe and coreference use generated sentences, since EWT does not label them."
                            )
                        : o.UseSharedData
                            ? "No third-party data: ../shared/data (UD EWT, BLiMP) was not found (set GLASSBOX_DATA to point at it), so every section runs on generated sentences; the real-data sections are skipped."
                        : "Built-in data only (--builtin-data): every section runs on generated sentences, even where ../shared/data would give real ones."
                    )
                    + Reproduce(Explain)
            );

            var watch = System.Diagnostics.Stopwatch.StartNew();
            void Lap(string part)
            {
                _seconds[part] = Math.Round(watch.Elapsed.TotalSeconds, 1);
                watch.Restart();
            }
            Upos(ewt);
            Lap("upos");
            foreach (var task in new[] { "tense", "voice", "subject_number" })
            {
                status?.Invoke($"probing: {task}");
                var types = train.Concat(test).Select(g => g.RootLemma).ToList();
                var r = SentenceProbeExperiment.Run(
                    model,
                    Pairs(train, task),
                    Pairs(test, task),
                    task,
                    Options,
                    controlTypes: types
                );
                ProbeReport.AddWordProbe(
                    report,
                    r,
                    model.Name,
                    desc + " (sentence vectors: mean of word vectors; control task: a random label per main-verb lemma)"
                );
                Record(
                    r,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"probe sentence -m {_m} --task {task} --sentences {o.Sentences} --seed {o.Seed}"
                    )
                );
            }
            Lap("sentence");
            var st = Structural(train, test);
            Lap("structural");
            var heads = Heads(ewt, generated);
            Lap("heads");
            var coref = Coref();
            Lap("coreference");
            double? mp = MinimalPairs();
            Lap("minimal-pairs");
            return new BuiltInProbeSummary(
                o.Sentences,
                _best,
                _bestLayer,
                st.Best.Result.Uuas,
                st.Layers[0].Result.RightBranchingUuas,
                mp,
                coref.BestProbe.Probe.Value,
                heads,
                _uposData,
                _byLayer,
                _random,
                _inconclusive,
                _minimalPairData,
                _seconds
            );
        }

        private string? _uposData,
            _minimalPairData;

        private void Upos(string ewt)
        {
            status?.Invoke("probing: UPOS");
            List<ConllSentence> train,
                test;
            string desc,
                cmd;
            if (ewt.Length > 0)
            {
                (train, test) = TreebankSample(ewt, o.TreebankSentences, o.Seed);
                desc = string.Create(
                    CultureInfo.InvariantCulture,
                    $"UD English EWT dev ({Path.GetFileName(ewt)}): the first {train.Count + test.Count} sentences, split by sentence 80%/20% (seed {o.Seed})"
                );
                cmd = string.Create(
                    CultureInfo.InvariantCulture,
                    $"probe pos -m {_m} --data {Quote(ewt)} --sentences {o.TreebankSentences} --seed {o.Seed}"
                );
            }
            else
            {
                (train, test) = UposSample(o.Sentences, o.Seed);
                desc = string.Create(
                    CultureInfo.InvariantCulture,
                    $"Built-in data: {o.Sentences} generated sentences whose content words are noun/verb-ambiguous (\"the watches\" / \"she watches\"), split 80%/20% (seed {o.Seed}); UD EWT not used"
                );
                cmd = string.Create(
                    CultureInfo.InvariantCulture,
                    $"probe pos -m {_m} --builtin --sentences {o.Sentences} --seed {o.Seed}"
                );
            }
            _uposData = desc;
            var pos = WordProbeExperiment.Run(model, train, test, "UPOS", w => w.Upos, Options);
            ProbeReport.AddWordProbe(report, pos, model.Name, desc);
            Record(pos, cmd);
        }

        private void Record(WordProbeResult r, string command)
        {
            string id = $"probe-{r.Task.ToLowerInvariant()}";
            report.Append(id, Reproduce(command));
            if (ProbeMeaning.Of(r).Inconclusive)
                _inconclusive.Add(id);
            _best[r.Task] = r.BestLayer.Task.Accuracy.Value;
            _bestLayer[r.Task] =
                r.BestLayer.Layer == 0 ? "emb" : string.Create(CultureInfo.InvariantCulture, $"L{r.BestLayer.Layer}");
            _byLayer[r.Task] = r.Layers.Select(l => l.Task.Accuracy.Value).ToList();
            if (r.BestLayer.RandomModel is { } rnd)
                _random[r.Task] = rnd.Value;
        }

        private void Meaning(string id, ProbeMeaningText m, string command)
        {
            report.Append(id, ProbeReport.Meaning(m) + Reproduce(command));
            if (m.Inconclusive)
                _inconclusive.Add(id);
        }

        private static string Quote(string path) =>
            path.Contains(' ', StringComparison.Ordinal) ? "\"" + path + "\"" : path;

        private static List<(IReadOnlyList<string> Words, string Label)> Pairs(
            IEnumerable<GeneratedSentence> s,
            string task
        ) =>
            s.Select(g => ((IReadOnlyList<string>)g.Parse.Words.Select(w => w.Form).ToList(), g.Labels[task])).ToList();
    }
}
