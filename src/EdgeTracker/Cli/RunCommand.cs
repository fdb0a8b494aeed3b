using System.CommandLine;
using EdgeTracker.Hosting;
using EdgeTracker.Hosting.Configuration;

namespace EdgeTracker.Cli;

/// <summary>
/// <c>edgetracker run [--config FILE] [--Section:Key=value ...]</c>: the daemon. Configuration is validated first;
/// every problem is printed with its key, and the exit code is non-zero, before any camera opens.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = "The configuration file (default: /etc/edgetracker/edgetracker.json, else config/edgetracker.json beside the binary).",
        };
        var check = new Option<bool>("--check")
        {
            Description = "Only validate the configuration and print the result.",
        };
        var command = new Command("run", "Run the tracking daemon. Override any setting with --Section:Key=value (e.g. --Mqtt:Port=1884 --Cameras:0:Source=test://ball).")
        {
            config,
            check,
        };
        // The overrides are configuration keys, not options of ours: they are collected, not refused.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellation) =>
        {
            var loaded = ConfigLoader.Load(parse.GetValue(config)?.FullName, parse.UnmatchedTokens);
            if (loaded.Errors.Count > 0)
            {
                Console.Error.WriteLine($"edgetracker: the configuration has {loaded.Errors.Count} problem{(loaded.Errors.Count == 1 ? "" : "s")}{(loaded.File is null ? "" : $" ({loaded.File})")}:");
                foreach (var error in loaded.Errors)
                {
                    Console.Error.WriteLine($"  {error.Key}: {error.Message}");
                }
                return ExitCodes.InvalidConfiguration;
            }
            if (parse.GetValue(check))
            {
                Console.WriteLine($"edgetracker: the configuration is valid ({loaded.File ?? "defaults"}).");
                return ExitCodes.Ok;
            }
            return await DaemonHost.RunAsync(loaded, cancellation);
        });
        return command;
    }
}
