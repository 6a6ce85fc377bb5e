using System.Globalization;
using Glassbox.Data;
using Glassbox.Probing.Coreference;
using Glassbox.Probing.Heads;
using Glassbox.Probing.Structural;
using Glassbox.Reports;

namespace Glassbox.Probing;

public static partial class BuiltInProbes
{
    private sealed partial class Run
    {
        private StructuralExperimentResult Structural(List<GeneratedSentence> train, List<GeneratedSentence> test)
        {
            status?.Invoke("probing: structural");
            var st = StructuralProbeExperiment.Run(
                model,
                train.Select(g => g.Parse).ToList(),
                test.Select(g => g.Parse).ToList(),
                new StructuralProbeOptions
                {
                    Epochs = 10,
                    Seed = o.Seed + 1,
                    BootstrapResamples = 500,
                },
                randomModel: false,
                Options.Extraction
            );
            const string id = "structural";
            StructuralReport.AddSection(report, "Structural probe (built-in data)", st.Layers, id: id);
            var best = st.Best;
            var emb = st.Layers[0].Result;
            var m = ProbeMeaning.Against(
                "UUAS of the trees read from " + (best.Layer == "emb" ? "the embeddings" : "layer " + best.Layer),
                best.Result.UuasInterval,
                "the right-branching baseline",
                best.Result.RightBranchingUuas,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"The probe recovers more of the dependency tree than attaching every word to the next; the embeddings (no context) give {emb.Uuas:F3}, so the gain over them is what the layers add. Brackets are 95% bootstrap intervals over sentences."
                )
            );
            if (best.Layer == "emb")
                m = new ProbeMeaningText(
                    m.Text
                        + " Inconclusive: no contextual layer beats the embeddings, so word identity alone gives this structure here.",
                    true
                );
            Meaning(id, m, Explain);
            report.Append(
                id,
                HtmlReport.Paragraph(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"No standalone command reads the built-in sentences ({o.Sentences} template-grammar sentences, seed {o.Seed}); on a treebank: glassbox probe structural -m {_m} --data F.conllu."
                    )
                )
            );
            return st;
        }

        private Dictionary<string, string> Heads(string ewt, IReadOnlyList<GeneratedSentence> generated)
        {
            status?.Invoke("probing: attention heads");
            // The first N generated sentences are what `probe heads --builtin --sentences N` generates (generation is prefix-stable).
            var sentences = (ewt.Length > 0 ? ConllUReader.Read(ewt) : generated.Select(g => g.Parse))
                .Take(o.HeadSentences)
                .ToList();
            string data =
                ewt.Length > 0
                    ? string.Create(
                        CultureInfo.InvariantCulture,
                        $"UD English EWT dev, first {sentences.Count} sentences"
                    )
                    : string.Create(
                        CultureInfo.InvariantCulture,
                        $"Built-in data: the first {sentences.Count} template-grammar sentences (seed {o.Seed})"
                    );
            string where =
                ewt.Length > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"--data {Quote(ewt)} --sentences {o.HeadSentences}")
                    : string.Create(CultureInfo.InvariantCulture, $"--builtin --sentences {o.HeadSentences}");
            string cmd = string.Create(
                CultureInfo.InvariantCulture,
                $"probe heads -m {_m} {where} --seed {o.Seed}{(o.HeadMasking ? " --masking" : "")} -o heads.html"
            );
            var heads = HeadProbeExperiment.Run(
                model,
                sentences,
                new HeadProbeOptions
                {
                    Masking = o.HeadMasking,
                    Dependencies = new DependencyHeadOptions { Seed = o.Seed },
                },
                s => status?.Invoke("probing: " + s)
            );
            HeadReport.AddSections(report, heads, data);
            report.Append(
                "head-stats",
                ProbeReport.Meaning(
                    new ProbeMeaningText(
                        "These are descriptive averages with no baseline or interval: they say where heads look, not what they compute. Heavy attention to "
                            + "[CLS]/[SEP], BOS or punctuation often marks a head with nothing to do (Clark et al. 2019).",
                        false
                    )
                ) + Reproduce(cmd)
            );
            Meaning("dependency-heads", ProbeMeaning.Of(heads.Dependencies), cmd);
            report.Append(
                "patterns",
                ProbeReport.Meaning(
                    new ProbeMeaningText(
                        "Rule-based classes of the head-averaged maps (no interval): many vertical heads mean attention parked on special tokens; diagonal heads "
                            + "track neighbours; heterogeneous heads are the candidates for content-dependent (e.g. syntactic) behaviour.",
                        false
                    )
                ) + Reproduce(cmd)
            );
            if (heads.Masking is { } mask)
                Meaning("masking", ProbeMeaning.Of(mask), cmd);
            else
                report.Add(
                    "masking",
                    "Head masking",
                    HtmlReport.Paragraph("Head ablation was not run (masking is off in these options).")
                );
            if (heads.Sample is not null)
                report.Append(
                    "rollout",
                    ProbeReport.Meaning(
                        new ProbeMeaningText(
                            "Rollout multiplies the layers' head-averaged attention (with the residual connection as identity); flow treats attention as a "
                                + "capacity network. Both show where information could come from, not what the model uses, and have no baseline or interval.",
                            false
                        )
                    ) + Reproduce(cmd)
                );
            return heads
                .Dependencies.Relations.Where(r => r.Count > 0)
                .ToDictionary(
                    r => r.Relation,
                    r =>
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{r.BestHead} {r.Accuracy:F2} (offset baseline {r.BaselineAccuracy:F2})"
                        )
                );
        }

        private CoreferenceResult Coref()
        {
            status?.Invoke("probing: coreference");
            const int trainN = 160,
                testN = 80;
            var coref = CoreferenceExperiment.Run(
                model,
                PronounSentences.Generate(trainN, o.Seed),
                PronounSentences.Generate(testN, o.Seed + 1, heldOut: true),
                new CoreferenceOptions { Seed = o.Seed }
            );
            CoreferenceReport.AddSection(
                report,
                coref,
                model.Name,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Built-in data: {trainN} training and {testN} held-out generated pronoun sentences (new names and nouns)"
                )
            );
            Meaning(
                "coreference",
                ProbeMeaning.Of(coref),
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"probe coref -m {_m} --sentences {trainN} --test-sentences {testN} --seed {o.Seed}"
                )
            );
            return coref;
        }

        private double? MinimalPairs()
        {
            if (!model.Config.Causal || !model.Config.HasUnembed || model.Tokenizer is null)
            {
                report.Add(
                    "minimal-pairs",
                    "Minimal pairs",
                    HtmlReport.Paragraph(
                        $"Not run: minimal pairs (BLiMP) compare the log-probability a causal language model gives a grammatical and an ungrammatical sentence; "
                            + $"{model.Name} is {(model.Config.Causal ? "a causal model without a language-model head" : "an encoder (bidirectional attention, no next-token head)")}. "
                            + "Run the report on a causal LM for this section:"
                    ) + Reproduce("explain -m stories260k --out report.html")
                );
                return null;
            }
            status?.Invoke("probing: minimal pairs");
            var blimp = BlimpFolder(o);
            IReadOnlyList<MinimalPair> pairs;
            string cmd;
            if (blimp is not null)
            {
                pairs = MinimalPairReader.ReadBlimp(blimp);
                _minimalPairData = string.Create(
                    CultureInfo.InvariantCulture,
                    $"BLiMP ({blimp}), at most {o.BlimpPairsPerPhenomenon} pairs per phenomenon"
                );
                cmd = string.Create(
                    CultureInfo.InvariantCulture,
                    $"probe minimal-pairs -m {_m} --blimp {Quote(blimp)} --limit {o.BlimpPairsPerPhenomenon} --seed {o.Seed}"
                );
            }
            else
            {
                pairs = TemplateGrammar.MinimalPairs(40, o.Seed);
                _minimalPairData = string.Create(
                    CultureInfo.InvariantCulture,
                    $"built-in template-grammar pairs (40, seed {o.Seed}); BLiMP in ../shared/data is absent"
                );
                cmd = Explain;
            }
            var r = MinimalPairScorer.Evaluate(
                model,
                pairs,
                new MinimalPairOptions
                {
                    Seed = o.Seed,
                    LimitPerPhenomenon = blimp is null ? null : o.BlimpPairsPerPhenomenon,
                }
            );
            ParameterFreeReport.AddMinimalPairs(report, r);
            report.Append("minimal-pairs", HtmlReport.Paragraph("Data: " + _minimalPairData + "."));
            report.Append("minimal-pair-groups", Reproduce(cmd));
            Meaning(
                "minimal-pairs",
                ProbeMeaning.Against(
                    "Accuracy (the grammatical sentence is more probable)",
                    r.Accuracy,
                    "chance",
                    r.Chance,
                    "The model prefers the grammatical member of a pair more often than a coin would; per-phenomenon rows show where it does not. Brackets are 95% bootstrap intervals over pairs."
                ),
                cmd
            );
            return r.Accuracy.Value;
        }
    }
}
