using Glassbox.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli;

/// <summary>The <c>glassbox</c> command line. <see cref="Run"/> is the whole program (tests call it in-process).</summary>
public static class GlassboxCli
{
    /// <summary>Branches (command groups) and their descriptions.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Branches = new Dictionary<string, string>
    {
        ["probe"] = "Probing: what do the layers encode?",
        ["neurons"] = "Neurons and features: which units carry a property, and what each does.",
        ["sae"] = "Sparse autoencoders: learn a dictionary of features for a hook",
        ["classify"] = "Text classifiers to explain: fine-tune an encoder with a classification head, evaluate it.",
        ["concepts"] = "Concepts: which human concepts a model or a unit uses, and whether that is more than chance.",
        ["er"] = "Explanation regularisation: train with rationales or feedback, and test the models under ER-TEST.",
    };

    /// <summary>Every command, by its path ("info", "probe pos"); the app is configured from this list, and the argument
    /// check and the tests walk it.</summary>
    internal static readonly IReadOnlyList<CliCommand> Commands =
    [
        Cmd<ModelsCommand>("models", "List the known model names."),
        Cmd<InfoCommand>("info", "Describe a model: config, parameter counts, hook points."),
        Cmd<DoctorCommand>(
            "doctor",
            "Check the runtime: TorchSharp/libtorch, threads, compatibility patch, default model."
        ),
        Cmd<RunCommand>("run", "Run a model on a text: top next tokens (LMs) or a summary (encoders)."),
        Cmd<GenerateCommand>("generate", "Generate text from a causal LM (greedy or seeded sampling)."),
        Cmd<CacheCommand>("cache", "Run a model and save chosen activations (and the output) to safetensors."),
        Cmd<ExportCommand>(
            "export",
            "Write a loaded model as a Hugging Face style directory that loads back identically."
        ),
        Cmd<ProbeWordCommand>("probe pos", "Part of speech (UPOS) probe on every layer, with controls."),
        Cmd<ProbeWordCommand>("probe tag", "Fine-grained tag (XPOS) probe on every layer, with controls."),
        Cmd<ProbeWordCommand>("probe deprel", "Dependency relation of each word to its head."),
        Cmd<ProbeWordCommand>("probe feature", "A morphological feature (--feature Number|Tense|...)."),
        Cmd<ProbeStructuralCommand>(
            "probe structural",
            "Structural (distance and depth) probes on UD trees: UUAS, DSpr, root accuracy, NSpr."
        ),
        Cmd<ProbeMinimalPairsCommand>(
            "probe minimal-pairs",
            "Accuracy on minimal pairs (BLiMP, syneval, own pairs) with bootstrap intervals."
        ),
        Cmd<ProbeMinimalPairsMergeCommand>(
            "probe minimal-pairs-merge",
            "Combine the Parquet parts of minimal-pair scoring split over workers (--parts DIR --shard K/N) into one result."
        ),
        Cmd<ProbeClozeCommand>(
            "probe cloze",
            "LAMA-style cloze facts: precision@1/5/10 per relation and prompt sensitivity.",
            "probe",
            "cloze",
            "-m",
            "stories260k",
            "--lama",
            "../shared/data/lama",
            "--limit",
            "20"
        ),
        Cmd<ProbeClozeMergeCommand>(
            "probe cloze-merge",
            "Combine the Parquet parts of cloze probing split over workers (--parts DIR --shard K/N) into one result."
        ),
        Cmd<ProbeHeadsCommand>(
            "probe heads",
            "Attention heads: statistics, dependency heads (Clark et al.), pattern classes, masking, rollout/flow."
        ),
        Cmd<ProbeSentenceCommand>(
            "probe sentence",
            "Sentence-level probes (tense, voice, subject number, length, or a labelled TSV/JSONL file) on every layer."
        ),
        Cmd<ProbeEdgeCommand>(
            "probe edge",
            "Edge probing on UD trees: subtree phrase types or head-dependent relation labels, mean/max/attention span pooling."
        ),
        Cmd<ProbeCorefCommand>(
            "probe coref",
            "Coreference by similarity: pronoun vs antecedent/distractor cosine per layer, raw and probe-transformed."
        ),
        Cmd<NeuronsRankCommand>(
            "neurons rank",
            "Rank the units (MLP neurons, any hook's dimensions) for a word property, with verification attached."
        ),
        Cmd<NeuronsCorrespondCommand>(
            "neurons correspond",
            "Compare layers or models on the same words: linear CKA with intervals and a shuffled control, SVCCA, matched units."
        ),
        Cmd<NeuronsVerifyCommand>(
            "neurons verify",
            "Re-check a saved unit ranking on other data: restricted probes, control task, ablations."
        ),
        Cmd<LensCommand>(
            "lens",
            "Logit lens: decode every layer's residual stream (top tokens, target probability and rank)."
        ),
        Cmd<DlaCommand>(
            "dla",
            "Direct logit attribution of a logit (difference) to embeddings, heads, biases and MLPs."
        ),
        Cmd<HeadsCommand>(
            "heads",
            "Head detectors (previous-token, duplicate, induction, BOS) and attention pictures."
        ),
        Cmd<CircuitsCommand>(
            "circuits",
            "Weights as circuits: OV copying, Q/K/V composition, direct-path bigrams, skip-trigrams."
        ),
        Cmd<NeuronCommand>(
            "neuron",
            "An MLP neuron as a key-value memory: top prefixes, promoted tokens, sub-updates."
        ),
        Cmd<AblateCommand>(
            "ablate",
            "Zero / mean / resample ablation of heads, neurons and layers; layer-removal curve."
        ),
        Cmd<TrainCommand>(
            "train",
            "Train a small transformer from scratch (synthetic repeated segments or a text file), with checkpoints."
        ),
        Cmd<InductionCommand>(
            "induction",
            "Induction heads: repeated-random-tokens test, head scores, ablation, phase change across checkpoints."
        ),
        Cmd<PatchCommand>(
            "patch",
            "Activation patching (layer x position / layer x head) between a clean and a corrupted prompt; --attribution adds attribution patching."
        ),
        Cmd<PatchSetCommand>(
            "patch-set",
            "Activation patching over a set of prompt pairs, averaged with bootstrap intervals (one run, or --parts DIR --shard K/N workers)."
        ),
        Cmd<PatchSetMergeCommand>(
            "patch-set-merge",
            "Merge the Parquet parts of a prompt-set patching run split over workers into the result one run gives."
        ),
        Cmd<TraceCommand>(
            "trace",
            "Causal tracing (ROME): corrupt the subject, restore single states, map the indirect effects."
        ),
        Cmd<ShortcutsCommand>(
            "shortcuts",
            "Shortcut mining: tokens a classifier relies on regardless of context (attributions over a data set), and the counter-set check of a trigger."
        ),
        Cmd<AmplifyCommand>(
            "amplify",
            "AMPLIFY: few-shot prompts with rationales from a proxy classifier's attributions, evaluated on an LLM with and without them (offline: writes the prompts)."
        ),
        Cmd<ErRunCommand>(
            "er run",
            "Train a classifier with and without explanation regularisation (rationales from a lexicon or annotators) over seeds, and compare them under ER-TEST; resumable."
        ),
        Cmd<ErTestCommand>(
            "er test",
            "ER-TEST of one sentiment classifier: in-domain, unseen sets, contrast and counterfactual pairs, functional tests, and explanation plausibility."
        ),
        Cmd<XmdCommand>(
            "xmd",
            "XMD: apply 'this word should / should not matter' feedback to a classifier by a short fine-tune with an explanation loss; reports attributions and accuracy before and after."
        ),
        Cmd<ExplainCommand>("explain", "The main job: write a self-contained HTML report about a model."),
        Cmd<NeuronsExplainCommand>(
            "neurons explain",
            "Explain a unit from its top excerpts, simulate and score the explanation (Bills et al.) against other units' explanations."
        ),
        Cmd<NeuronsScoreCommand>(
            "neurons score",
            "Explain, simulate and score many units against shuffled-explanation baselines; resumable results file."
        ),
        Cmd<NeuronsSascCommand>(
            "neurons sasc",
            "SASC (Singh et al.): explain a unit as a black box from corpus n-grams and synthetic texts, with scored candidates."
        ),
        Cmd<SaeTrainCommand>(
            "sae train",
            "Train sparse autoencoders on a hook (one per --l1 value), evaluate them, save SAELens-layout checkpoints."
        ),
        Cmd<SaeCollectCommand>(
            "sae collect",
            "Keep a hook's activations over the SAE training texts on disk (one run, or --parts DIR --shard K/N workers)."
        ),
        Cmd<SaeCollectMergeCommand>(
            "sae collect-merge",
            "Merge the Parquet parts of an activation collection split over workers into the cache one run writes."
        ),
        Cmd<SaeEvalCommand>(
            "sae eval",
            "Evaluate a saved SAE on held-out text: MSE, explained variance, L0, dead/dense features, loss recovered."
        ),
        Cmd<NeuronsHarvestCommand>(
            "neurons harvest",
            "Stream a corpus through a model into a resumable DuckDB activation store (stats, histograms, top excerpts)."
        ),
        Cmd<NeuronsMergeCommand>(
            "neurons merge",
            "Merge the Parquet parts of a harvest split over workers (--parts DIR --shard K/N) into one activation store."
        ),
        Cmd<NeuronsTopCommand>(
            "neurons top",
            "A unit's statistics, histogram and top-activating excerpts, read from an activation store (no model run)."
        ),
        Cmd<NeuronsCheckCommand>(
            "neurons check",
            "Read every value of an activation store; run as a separate process before a store not written or checked here is opened."
        ),
        Cmd<ClassifyTrainCommand>(
            "classify train",
            "Fine-tune an encoder (default MiniLM) with a [[CLS]] or mean-pooled head on SST-2 or a labelled file; resumable, saves a Hugging Face classifier."
        ),
        Cmd<ClassifyEvalCommand>(
            "classify eval",
            "Accuracy of a classifier directory on labelled data, with a bootstrap 95% interval, per-class counts and the majority baseline."
        ),
        Cmd<ConceptsComposeCommand>(
            "concepts compose",
            "Compositional explanations of neurons or SAE features: the AND/OR/NOT formula over UD concepts that best matches each unit (IoU)."
        ),
        Cmd<AttributeCommand>(
            "attribute",
            "Token attributions of a classifier or LM logit (integrated gradients, grad×input, occlusion, rollout, flow)."
        ),
        Cmd<ServeCommand>(
            "serve",
            "Start the explorer: a local web app over the analyses of one model (127.0.0.1 by default).",
            "serve",
            "-m",
            "stories260k"
        ),
        Cmd<ConceptsTcavCommand>(
            "concepts tcav",
            "TCAV: concept activation vectors, directional derivatives and a t-test against random concepts, per layer."
        ),
    ];

    /// <summary>Runs the CLI; returns the exit code (0 ok, 2 bad input, 1 internal error).</summary>
    public static int Run(string[] args)
    {
        Show.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.SetApplicationName("glassbox");
            c.SetApplicationVersion(GlassboxRuntime.Version);
            c.PropagateExceptions();
            c.UseStrictParsing();
            c.ConfigureConsole(Show.Console);
            foreach (var cmd in Commands.Where(x => !x.Path.Contains(' ', StringComparison.Ordinal)))
                cmd.Add(c);
            foreach (var (branch, description) in Branches)
                c.AddBranch(branch, b =>
                {
                    b.SetDescription(description);
                    foreach (var cmd in Commands.Where(x => x.Path.StartsWith(branch + " ", StringComparison.Ordinal)))
                        cmd.AddTo(b);
                });
        });
        return CliErrors.Run(() =>
        {
            ArgumentCheck.Validate(args);
            return app.Run(args);
        });
    }

    /// <summary>A catalog entry; <paramref name="example"/> (arguments after <c>glassbox</c>) is shown in its help.</summary>
    private static CliCommand Cmd<T>(string path, string description, params string[] example)
        where T : class, ICommand, ICommandLimiter<CommandSettings>
    {
        string leaf = path[(path.LastIndexOf(' ') + 1)..];
        return new CliCommand(
            path,
            typeof(T),
            description,
            c =>
            {
                var x = c.AddCommand<T>(leaf).WithDescription(description);
                if (example.Length > 0)
                    x.WithExample(example);
            },
            b =>
            {
                var x = b.AddCommand<T>(leaf).WithDescription(description);
                if (example.Length > 0)
                    x.WithExample(example);
            }
        );
    }
}

/// <summary>One command of the catalog.</summary>
internal sealed record CliCommand(
    string Path,
    Type CommandType,
    string Description,
    Action<IConfigurator> Add,
    Action<IConfigurator<CommandSettings>> AddTo
)
{
    /// <summary>The settings class (the <c>TSettings</c> of <c>Command&lt;TSettings&gt;</c>).</summary>
    public Type SettingsType
    {
        get
        {
            for (var t = CommandType; t is not null; t = t.BaseType)
                if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Command<>))
                    return t.GetGenericArguments()[0];
            return typeof(EmptyCommandSettings);
        }
    }
}
