using Glassbox;
using Glassbox.Cli;
using Glassbox.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

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
    c.AddCommand<ExplainCommand>("explain").WithDescription("The main job: write a self-contained HTML report about a model.");
});
return CliErrors.Run(() => app.Run(args));
