using Glassbox.Cli;

return GlassboxCli.Run(args);
