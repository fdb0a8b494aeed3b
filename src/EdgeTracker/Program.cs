using System.CommandLine;
using EdgeTracker.Cli;

// SIGTERM cancels the command's token; the daemon then stops cleanly within systemd's stop timeout (the unit's
// TimeoutStopSec=30), so the forced exit comes only after that, not after System.CommandLine's default 2 s.
return await CliApp.Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
