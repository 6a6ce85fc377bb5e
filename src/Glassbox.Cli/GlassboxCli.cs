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
                p.AddCommand<ProbeClozeCommand>("cloze").WithDescription("LAMA-style cloze facts: precision@1/5/10 per relation and prompt sensitivity.");
                p.AddCommand<ProbeSentenceCommand>("sentence").WithDescription("Sentence-level probes (tense, voice, subject number, length, or a labelled TSV/JSONL file) on every layer.");
                p.AddCommand<ProbeEdgeCommand>("edge").WithDescription("Edge probing on UD trees: subtree phrase types or head-dependent relation labels, mean/max/attention span pooling.");
                p.AddCommand<ProbeCorefCommand>("coref").WithDescription("Coreference by similarity: pronoun vs antecedent/distractor cosine per layer, raw and probe-transformed.");
            });
            c.AddCommand<ExplainCommand>("explain").WithDescription("The main job: write a self-contained HTML report about a model.");
        });
        return CliErrors.Run(() => app.Run(args));
    }
}
