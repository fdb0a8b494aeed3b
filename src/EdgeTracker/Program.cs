using EdgeTracker.Cli;

return await CliApp.Build().Parse(args).InvokeAsync();
