using Glassbox.Cli.Commands;
using Spectre.Console.Cli;

namespace Glassbox.Cli;

/// <summary>The <c>glassbox</c> command line. <see cref="Run"/> is the whole program (tests call it in-process).</summary>
public static class GlassboxCli
{
    /// <summary>Runs the CLI; returns the exit code (0 ok, 2 bad input, 1 internal error).</summary>
    public static int Run(string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.SetApplicationName("glassbox");
            c.SetApplicationVersion(GlassboxRuntime.Version);
            c.PropagateExceptions();
            c.AddCommand<ModelsCommand>("models").WithDescription("List the known model names.");
            c.AddCommand<InfoCommand>("info").WithDescription("Describe a model: config, parameter counts, hook points.");
            c.AddCommand<DoctorCommand>("doctor").WithDescription("Check the runtime: TorchSharp/libtorch, threads, compatibility patch, default model.");
            c.AddCommand<RunCommand>("run").WithDescription("Run a model on a text: top next tokens (LMs) or a summary (encoders).");
            c.AddCommand<GenerateCommand>("generate").WithDescription("Generate text from a causal LM (greedy or seeded sampling).");
            c.AddCommand<CacheCommand>("cache").WithDescription("Run a model and save chosen activations (and the output) to safetensors.");
            c.AddCommand<ExportCommand>("export").WithDescription("Write a loaded model as a Hugging Face style directory that loads back identically.");
            c.AddBranch("probe", p =>
            {
                p.SetDescription("Probing: what do the layers encode?");
                p.AddCommand<ProbeWordCommand>("pos").WithDescription("Part of speech (UPOS) probe on every layer, with controls.");
                p.AddCommand<ProbeWordCommand>("tag").WithDescription("Fine-grained tag (XPOS) probe on every layer, with controls.");
                p.AddCommand<ProbeWordCommand>("deprel").WithDescription("Dependency relation of each word to its head.");
                p.AddCommand<ProbeWordCommand>("feature").WithDescription("A morphological feature (--feature Number|Tense|...).");
                p.AddCommand<ProbeStructuralCommand>("structural").WithDescription("Structural (distance and depth) probes on UD trees: UUAS, DSpr, root accuracy, NSpr.");
                p.AddCommand<ProbeMinimalPairsCommand>("minimal-pairs").WithDescription("Accuracy on minimal pairs (BLiMP, syneval, own pairs) with bootstrap intervals.");
                p.AddCommand<ProbeClozeCommand>("cloze").WithDescription("LAMA-style cloze facts: precision@1/5/10 per relation and prompt sensitivity.")
                    .WithExample("probe", "cloze", "-m", "stories260k", "--lama", "../shared/data/lama", "--limit", "20");
                p.AddCommand<ProbeHeadsCommand>("heads").WithDescription("Attention heads: statistics, dependency heads (Clark et al.), pattern classes, masking, rollout/flow.");
                p.AddCommand<ProbeSentenceCommand>("sentence").WithDescription("Sentence-level probes (tense, voice, subject number, length, or a labelled TSV/JSONL file) on every layer.");
                p.AddCommand<ProbeEdgeCommand>("edge").WithDescription("Edge probing on UD trees: subtree phrase types or head-dependent relation labels, mean/max/attention span pooling.");
                p.AddCommand<ProbeCorefCommand>("coref").WithDescription("Coreference by similarity: pronoun vs antecedent/distractor cosine per layer, raw and probe-transformed.");
            });
            c.AddCommand<LensCommand>("lens").WithDescription("Logit lens: decode every layer's residual stream (top tokens, target probability and rank).");
            c.AddCommand<DlaCommand>("dla").WithDescription("Direct logit attribution of a logit (difference) to embeddings, heads, biases and MLPs.");
            c.AddCommand<HeadsCommand>("heads").WithDescription("Head detectors (previous-token, duplicate, induction, BOS) and attention pictures.");
            c.AddCommand<CircuitsCommand>("circuits").WithDescription("Weights as circuits: OV copying, Q/K/V composition, direct-path bigrams, skip-trigrams.");
            c.AddCommand<NeuronCommand>("neuron").WithDescription("An MLP neuron as a key-value memory: top prefixes, promoted tokens, sub-updates.");
            c.AddCommand<AblateCommand>("ablate").WithDescription("Zero / mean / resample ablation of heads, neurons and layers; layer-removal curve.");
            c.AddCommand<TrainCommand>("train").WithDescription("Train a small transformer from scratch (synthetic repeated segments or a text file), with checkpoints.");
            c.AddCommand<InductionCommand>("induction").WithDescription("Induction heads: repeated-random-tokens test, head scores, ablation, phase change across checkpoints.");
            c.AddCommand<PatchCommand>("patch").WithDescription("Activation patching (layer x position / layer x head) between a clean and a corrupted prompt; --attribution adds attribution patching.");
            c.AddCommand<TraceCommand>("trace").WithDescription("Causal tracing (ROME): corrupt the subject, restore single states, map the indirect effects.");
            c.AddCommand<ExplainCommand>("explain").WithDescription("The main job: write a self-contained HTML report about a model.");
        });
        return CliErrors.Run(() => app.Run(args));
    }
}
