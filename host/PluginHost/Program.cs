// Entry point: see Cli/ for the verbs.
return await PluginHost.Cli.CliApp.RunAsync(args);
